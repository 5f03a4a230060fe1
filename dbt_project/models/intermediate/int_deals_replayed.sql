-- A deal's current state: the last of its events in (occurred_at, sequence) order
-- (docs/rules.md "Deals and revenue credit"). A stage is a won stage when any deal reached it by a
-- closed_won event (Salesforce IsWon stages, HubSpot closedwon, canonical closed_won);
-- a re-opened deal follows its latest event. The amount is the latest event's, in its
-- currency: a CRM amount without a currency is in the company's (var company_currency), a
-- canonical amount_usd in US dollars.
with events as (

    select * from {{ ref('stg_raw__deal_events') }}

),

won_stages as (

    select distinct stage from events
    where event_type = 'closed_won'

),

closed_stages as (

    select distinct stage from events
    where event_type in ('closed_won', 'closed_lost')

),

latest as (

    select *
    from events
    qualify row_number() over (
        partition by deal_id order by occurred_at desc, sequence desc, event_id desc
    ) = 1

),

last_win as (

    select
        deal_id,
        max(occurred_at) as closed_at
    from events
    where event_type = 'closed_won'
    group by deal_id

),

final as (

    select
        latest.deal_id,
        latest.account,
        latest.deal_name,
        coalesce(latest.amount, latest.amount_usd) as amount,
        case
            when latest.amount is null and latest.amount_usd is not null then 'USD'
            else coalesce(latest.currency, '{{ var("company_currency") }}')
        end as currency,
        latest.stage,
        latest.stage in (select stage from won_stages) as is_won,
        latest.stage in (select stage from closed_stages) as is_closed,
        case when latest.stage in (select stage from won_stages) then last_win.closed_at end
            as closed_at,
        latest.close_date,
        coalesce(latest.features, {{ empty_text_array() }}) as cited_features,
        latest.owner_email,
        latest.occurred_at as last_event_at,
        {{ landing_source('latest.source_file') }} as landing_source
    from latest
    left join last_win
        on latest.deal_id = last_win.deal_id

)

select * from final
