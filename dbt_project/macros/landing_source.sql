{#- The landing source a file came from: its stream folder and format folder or file
    ("agent_calls/litellm", "crm/hubspot", "git/repos.yml" for every configured repo). -#}
{% macro landing_source(source_file) -%}
    regexp_extract({{ source_file }}, '^[^/]+/[^/#]+', 0)
{%- endmacro %}
