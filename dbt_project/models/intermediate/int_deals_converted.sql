-- Each deal's amount in the reporting currency (var reporting_currency, USD by default) at
-- the rate of its close date: amount × (reporting currency per base unit) ÷ (deal
-- currency per base unit), both from one rate table. A Salesforce opportunity takes
-- Salesforce's rates first ("converted currency amounts on opportunities display based on
-- the specified Close Date, regardless of the opportunity stage"), then the org's
-- fx_rates.csv; any other deal takes fx_rates.csv. A deal already in the reporting
-- currency needs no rate. A deal without a rate keeps amount_usd null with a reason: it is
-- never counted as if its amount were dollars.
{%- set reporting_currency = "'" ~ var('reporting_currency') ~ "'" %}

with deals as (

    select
        *,
        coalesce(close_date, cast(closed_at as date), cast(last_event_at as date)) as rate_date
    from {{ ref('int_deals_replayed') }}

),

rates as (

    select * from {{ ref('int_fx_rates_resolved') }}

),

candidates as (

    select
        deals.deal_id,
        deal_rates.rate_table,
        deal_rates.rate as fx_rate,
        deal_rates.valid_from as fx_rate_valid_from,
        reporting_rates.rate as reporting_fx_rate,
        case deal_rates.rate_table when 'salesforce' then 1 else 2 end as preference
    from deals
    inner join rates as deal_rates
        on
            deals.currency = deal_rates.currency
            and deals.rate_date >= deal_rates.valid_from
            and (deal_rates.valid_to is null or deals.rate_date < deal_rates.valid_to)
    inner join rates as reporting_rates
        on
            deal_rates.rate_table = reporting_rates.rate_table
            and reporting_rates.currency = {{ reporting_currency }}
            and deals.rate_date >= reporting_rates.valid_from
            and (reporting_rates.valid_to is null or deals.rate_date < reporting_rates.valid_to)
    where
        deals.currency <> {{ reporting_currency }}
        and (deal_rates.rate_table = 'reference' or deals.landing_source = 'crm/salesforce')

),

chosen as (

    select *
    from candidates
    qualify row_number() over (partition by deal_id order by preference) = 1

),

converted as (

    select
        deals.*,
        chosen.rate_table as fx_rate_table,
        case when deals.currency = {{ reporting_currency }} then 1 else chosen.fx_rate end
            as fx_rate,
        case when deals.currency = {{ reporting_currency }} then 1 else chosen.reporting_fx_rate end
            as reporting_fx_rate,
        chosen.fx_rate_valid_from,
        case
            when deals.amount is null then null
            when deals.currency = {{ reporting_currency }} then cast(deals.amount as decimal(38, 6))
            when chosen.reporting_fx_rate = 1
                then cast(deals.amount / chosen.fx_rate as decimal(38, 6))
            else
                cast(
                    cast(deals.amount as double) * cast(chosen.reporting_fx_rate as double)
                    / cast(chosen.fx_rate as double) as decimal(38, 6)
                )
        end as amount_usd
    from deals
    left join chosen
        on deals.deal_id = chosen.deal_id

),

final as (

    select
        deal_id,
        account,
        deal_name,
        amount_usd,
        stage,
        is_won,
        is_closed,
        closed_at,
        close_date,
        cited_features,
        owner_email,
        last_event_at,
        currency,
        amount,
        {{ reporting_currency }} as reporting_currency,
        rate_date as fx_rate_date,
        fx_rate_table,
        fx_rate,
        reporting_fx_rate,
        fx_rate_valid_from,
        case
            when amount is null then 'no_amount'
            when amount_usd is null then 'no_exchange_rate'
        end as amount_usd_missing_reason
    from converted

)

select * from final
