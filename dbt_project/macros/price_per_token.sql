{#- USD per million tokens -> exact USD per token (DECIMAL keeps sums exact to the cent). -#}
{% macro price_per_token(usd_per_mtok) -%}
    (cast({{ usd_per_mtok }} as decimal(18, 6)) * cast(0.000001 as decimal(18, 6)))
{%- endmacro %}
