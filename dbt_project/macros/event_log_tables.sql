{#- The event log as source tables. DuckDB reads the Parquet through each source's
    external_location (sources.yml). Spark has no such thing: before the run, each source
    becomes a table over its Parquet folder in the metastore (schemas raw and
    event_log_reference: reference holds the seeds),
    refreshed so files ingested since the last run are seen. -#}
{% macro register_event_log() -%}
    {{ return(adapter.dispatch('register_event_log')()) }}
{%- endmacro %}

{% macro default__register_event_log() -%}
    select 1
{%- endmacro %}

{% macro spark__register_event_log() -%}
    {%- set lake = env_var('TOKENROI_LAKE') -%}
    {%- set folders = {'raw': {'agent_calls': 'agent_calls', 'commits': 'commits',
                               'deal_events': 'deal_events', 'quarantine': '_quarantine'},
                       'event_log_reference': {}} -%}
    {%- for name in ['people', 'budgets', 'features', 'deal_features', 'model_prices'] -%}
        {%- do folders['event_log_reference'].update({name: 'reference/' ~ name}) -%}
    {%- endfor -%}
    {%- if execute -%}
        {%- for schema, tables in folders.items() -%}
            {%- do run_query('create schema if not exists ' ~ schema) -%}
            {%- for table, folder in tables.items() -%}
                {%- do run_query('create table if not exists ' ~ schema ~ '.' ~ table
                                 ~ " using parquet options (path '" ~ lake ~ '/' ~ folder
                                 ~ "', recursiveFileLookup 'true', mergeSchema 'true')") -%}
                {%- do run_query('refresh table ' ~ schema ~ '.' ~ table) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif %}
    select 1
{%- endmacro %}
