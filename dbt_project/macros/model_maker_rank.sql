{#- A provider's place in var model_makers (the models' makers, first preferred); any other
    provider after them. -#}
{% macro model_maker_rank(provider) -%}
    case {{ provider }}
        {%- for maker in var('model_makers') %}
        when '{{ maker }}' then {{ loop.index }}
        {%- endfor %}
        else 1000
    end
{%- endmacro %}
