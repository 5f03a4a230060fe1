-- Every exchange rate as a period: units of a currency per one unit of its table's base
-- currency, valid from valid_from until the day before valid_to (null: open-ended).
-- Two tables: the org's reference/fx_rates.csv (base: the US dollar, which is 1 whether
-- listed or not; a rate holds until the same currency's next valid_from) and Salesforce's
-- export (base: the corporate currency). Salesforce converts opportunities at its dated
-- rates (advanced currency management); the static CurrencyType rate only serves a
-- currency without dated rates ("if you disable advanced currency management, all
-- currency conversions use the static conversion rate").
with reference_rates as (

    select * from {{ ref('stg_reference__fx_rates') }}

),

dated_rates as (

    select * from {{ ref('stg_reference__salesforce_dated_conversion_rates') }}

),

static_rates as (

    select * from {{ ref('stg_reference__salesforce_currency_types') }}

),

reference_periods as (

    select
        'reference' as rate_table,
        currency,
        valid_from,
        lead(valid_from) over (partition by currency order by valid_from) as valid_to,
        rate_per_usd as rate
    from reference_rates

),

listed_dollars as (

    select count(*) as listed
    from reference_rates
    where currency = 'USD'

),

reference_dollar as (

    select
        'reference' as rate_table,
        'USD' as currency,
        cast('0001-01-01' as date) as valid_from,
        cast(null as date) as valid_to,
        cast(1 as decimal(38, 12)) as rate
    from listed_dollars
    where listed = 0

),

salesforce_dated as (

    select
        'salesforce' as rate_table,
        currency,
        valid_from,
        valid_to,
        rate_per_corporate_unit as rate
    from dated_rates

),

dated_currencies as (

    select distinct currency from dated_rates

),

salesforce_static as (

    select
        'salesforce' as rate_table,
        static_rates.currency,
        cast('0001-01-01' as date) as valid_from,
        cast(null as date) as valid_to,
        static_rates.rate_per_corporate_unit as rate
    from static_rates
    left join dated_currencies
        on static_rates.currency = dated_currencies.currency
    where dated_currencies.currency is null

),

periods as (

    select * from reference_periods
    union all
    select * from reference_dollar
    union all
    select * from salesforce_dated
    union all
    select * from salesforce_static

),

final as (

    -- a rate of zero converts nothing: its deals show as having no rate
    select * from periods
    where rate > 0

)

select * from final
