-- The run's quality gates beside their thresholds (dbt vars): one row per gate and subject,
-- the union of the gate models (models/marts/gates/), each judged by its dbt test
-- (gate_holds, severity from its <gate>_severity var). The Great Expectations checks on
-- this table judge it too: an 'error' gate that is not 'pass' stops publication, a 'warn'
-- gate shows in the report's data-quality section.
with gates as (

    select
        check_name,
        subject,
        severity,
        status,
        observed_value,
        threshold,
        unit,
        affected_rows,
        detail,
        measured_at
    from {{ ref('gate_source_freshness') }}

    union all

    select
        check_name,
        subject,
        severity,
        status,
        observed_value,
        threshold,
        unit,
        affected_rows,
        detail,
        measured_at
    from {{ ref('gate_telemetry_coverage') }}

    union all

    select
        check_name,
        subject,
        severity,
        status,
        observed_value,
        threshold,
        unit,
        affected_rows,
        detail,
        measured_at
    from {{ ref('gate_unpriced_token_share') }}

    union all

    select
        check_name,
        subject,
        severity,
        status,
        observed_value,
        threshold,
        unit,
        affected_rows,
        detail,
        measured_at
    from {{ ref('gate_unknown_identity_spend') }}

    union all

    select
        check_name,
        subject,
        severity,
        status,
        observed_value,
        threshold,
        unit,
        affected_rows,
        detail,
        measured_at
    from {{ ref('gate_quarantined_records') }}

    union all

    select
        check_name,
        subject,
        severity,
        status,
        observed_value,
        threshold,
        unit,
        affected_rows,
        detail,
        measured_at
    from {{ ref('gate_unconverted_deal_amounts') }}

)

select * from gates
