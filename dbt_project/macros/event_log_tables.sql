{#- The event log as source tables. DuckDB reads the Parquet through each source's
    external_location (sources.yml). Spark has no such thing: before the run, each source
    becomes a table over its Parquet folder in the metastore (schemas raw and
    event_log_reference: reference holds the seeds), declared afresh each run so the files
    ingested since the last one, and a moved lake, are seen. -#}
{% macro register_event_log() -%}
    {{ return(adapter.dispatch('register_event_log')()) }}
{%- endmacro %}

{% macro default__register_event_log() -%}
    select 1
{%- endmacro %}

{% macro spark__register_event_log() -%}
    {#- tokenroi passes the lake as Spark sees it (TOKENROI_SPARK_LAKE: on a cluster, an
        object-store URI holding the same files) -#}
    {%- set lake = var('spark_lake', env_var('TOKENROI_LAKE', env_var('TOKENROI_DATA', '../data') ~ '/lake')) -%}
    {%- if execute -%}
        {%- for source in graph.sources.values() -%}
            {#- the lake's folders, as sources.yml's external_location reads them -#}
            {%- if source.source_name == 'reference' -%}
                {%- set folder = 'reference/' ~ source.name -%}
            {%- else -%}
                {%- set folder = {'quarantine': '_quarantine', 'ingested_files': '_ingested'}.get(
                    source.name, source.name) -%}
            {%- endif -%}
            {%- set table = source.schema ~ '.' ~ source.name -%}
            {%- do run_query('create schema if not exists ' ~ source.schema) -%}
            {#- external tables: dropping one forgets the path, never the files -#}
            {%- do run_query('drop table if exists ' ~ table) -%}
            {%- do run_query('create table ' ~ table ~ " using parquet options (path '" ~ lake
                             ~ '/' ~ folder ~ "', recursiveFileLookup 'true', "
                             ~ "mergeSchema 'true')") -%}
        {%- endfor -%}
    {%- endif %}
    select 1
{%- endmacro %}


{#- After a Spark build: the relations tokenroi's checks and publication read (var
    spark_exports, "schema.name" each), written as Parquet under var spark_export
    (<schema>/<name>/), for pipelines/spark_mirror.py to copy into the local build file.
    Nothing is written when a node failed: that run publishes nothing. -#}
{% macro export_for_publication(results) -%}
    {{ return(adapter.dispatch('export_for_publication')(results)) }}
{%- endmacro %}

{% macro default__export_for_publication(results) -%}
    select 1
{%- endmacro %}

{% macro spark__export_for_publication(results) -%}
    {%- set relations = var('spark_exports', []) -%}
    {%- set failed = results | selectattr('status', 'in', ['error', 'fail', 'runtime error'])
                             | list -%}
    {%- if execute and relations and not failed -%}
        {%- set root = var('spark_export') -%}
        {%- for relation in relations -%}
            {%- set schema, name = relation.split('.') -%}
            {%- do run_query("insert overwrite directory '" ~ root ~ '/' ~ schema ~ '/' ~ name
                             ~ "' using parquet select * from " ~ schema ~ '.' ~ name) -%}
        {%- endfor -%}
    {%- endif %}
    select 1
{%- endmacro %}
