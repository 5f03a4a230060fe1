-- docs/rules.md "The bill reconciliation": per provider and day, billed = logged + unlogged, and
-- the unlogged spend booked in fct_agent_calls is exactly the reconciliation's remainder, to the
-- cent (over the bill's priced rows: one reconciled in tokens has no dollars to match).
{{ config(meta={'dagster': {'ref': {'name': 'fct_bill_reconciliation'}}}) }}
with bill as (

    select
        provider,
        day,
        sum(billed_cost_usd) as billed_cost_usd,
        sum(logged_cost_usd) as logged_cost_usd,
        sum(unlogged_cost_usd) as unlogged_cost_usd
    from {{ ref('fct_bill_reconciliation') }}
    where billed_cost_usd is not null
    group by provider, day

),

booked as (

    select
        provider,
        occurred_date as day,
        sum(cost_usd) as unlogged_cost_usd
    from {{ ref('fct_agent_calls') }}
    where is_unlogged
    group by provider, occurred_date

)

select
    coalesce(bill.provider, booked.provider) as provider,
    coalesce(bill.day, booked.day) as day,
    bill.billed_cost_usd,
    bill.logged_cost_usd,
    bill.unlogged_cost_usd,
    booked.unlogged_cost_usd as booked_unlogged_cost_usd
from bill
full outer join booked
    on bill.provider = booked.provider and bill.day = booked.day
where
    round(coalesce(bill.billed_cost_usd, 0), 2)
    <> round(coalesce(bill.logged_cost_usd, 0) + coalesce(bill.unlogged_cost_usd, 0), 2)
    or round(coalesce(bill.unlogged_cost_usd, 0), 2)
    <> round(coalesce(booked.unlogged_cost_usd, 0), 2)
