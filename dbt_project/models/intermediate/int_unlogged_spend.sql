-- Billed spend no per-call log explains, split over the bill's rows of its reconciliation
-- group (api keys, projects or workspaces; a cost endpoint's lines) in proportion to their
-- billed cost; each row's identity maps to a person through people.csv aliases, else it
-- stays unknown. A group reconciled in tokens (no price) books nothing: its dollars are
-- unknown.
with calls as (

    select * from {{ ref('int_agent_calls_priced') }}

),

bill as (

    select * from {{ ref('int_bill_reconciliation') }}

),

bill_rows as (

    select
        calls.*,
        cast(calls.occurred_at as date) as day,
        case when calls.is_cost_line then calls.bill_amount_usd else calls.catalog_cost_usd end
            as billed_cost_usd
    from calls
    where calls.is_usage_export

),

final as (

    select
        'unlogged:' || bill_rows.event_id as event_id,
        bill_rows.occurred_at,
        bill_rows.source,
        bill_rows.is_known_person,
        bill_rows.person_email,
        bill_rows.team,
        bill_rows.provider,
        bill_rows.model,
        bill_rows.model_tier,
        -- the provider's own amount, or the usage bucket priced with the catalog
        case when bill_rows.is_cost_line then 'reported' else 'catalog' end as cost_source,
        -- The share is a ratio of exact decimals; computed in double, kept to 12 places.
        cast(
            cast(bill.unlogged_cost_usd as double)
            * cast(bill_rows.billed_cost_usd as double)
            / cast(bill.billed_cost_usd as double)
            as decimal(38, 12)
        ) as cost_usd
    from bill_rows
    inner join bill
        on
            bill_rows.provider = bill.provider
            -- NULL on both sides: a group that names no model
            and coalesce(bill_rows.model_key, '') = coalesce(bill.model_key, '')
            and bill_rows.day = bill.day
            and bill_rows.is_cost_line = bill.is_from_costs
    where bill.unlogged_cost_usd > 0 and bill.billed_cost_usd > 0

)

select * from final
