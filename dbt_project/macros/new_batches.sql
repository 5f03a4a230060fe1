{#- In an incremental run, only the event-log batches ingested since the last build: a batch
    is written whole before the ingest records it, and every later batch is ingested later,
    so the newest ingested_at already in the table marks where the new ones start. The
    row-group statistics of ingested_at let DuckDB skip the old Parquet files unread. -#}
{% macro new_batches_only() -%}
    {%- if is_incremental() %}
    where ingested_at > (select coalesce(max(ingested_at), '-infinity'::timestamp) from {{ this }})
    {%- endif %}
{%- endmacro %}
