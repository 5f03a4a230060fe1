{#- The event log's root: the same absolute path Python writes to (TOKENROI_LAKE). -#}
{% macro lake_path() -%}
    {{ env_var('TOKENROI_LAKE') }}
{%- endmacro %}
