{#- Rows of the most recently ingested snapshot of a reference file. -#}
{% macro latest_snapshot(relation) -%}
    select *
    from {{ relation }}
    qualify ingested_at = max(ingested_at) over ()
{%- endmacro %}
