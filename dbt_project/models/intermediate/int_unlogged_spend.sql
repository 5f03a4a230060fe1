-- Billed spend no per-call log explains, split over the export's rows (api keys or
-- workspaces) in proportion to their billed cost; each row's identity maps to a person
-- through people.csv aliases, else it stays unknown.
with calls as (

    select * from {{ ref('int_agent_calls_priced') }}

),

bill as (

    select * from {{ ref('int_bill_reconciliation') }}

),

export_rows as (

    select
        calls.*,
        cast(calls.occurred_at as date) as day
    from calls
    where calls.is_usage_export and calls.catalog_cost_usd is not null

),

final as (

    select
        'unlogged:' || export_rows.event_id as event_id,
        export_rows.occurred_at,
        export_rows.source,
        export_rows.is_known_person,
        export_rows.person_email,
        export_rows.team,
        export_rows.provider,
        export_rows.model,
        export_rows.model_tier,
        -- The share is a ratio of exact decimals; computed in double, kept to 12 places.
        cast(
            cast(bill.unlogged_cost_usd as double)
            * cast(export_rows.catalog_cost_usd as double)
            / cast(bill.billed_cost_usd as double)
            as decimal(38, 12)
        ) as cost_usd
    from export_rows
    inner join bill
        on
            export_rows.provider = bill.provider
            and export_rows.model_key = bill.model_key
            and export_rows.day = bill.day
    where bill.unlogged_cost_usd > 0 and bill.billed_cost_usd > 0

)

select * from final
