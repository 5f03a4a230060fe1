with source as (

    {{ latest_snapshot(source('reference', 'salesforce_dated_conversion_rates')) }}

),

final as (

    select
        upper(trim(isocode)) as currency,
        cast(trim(startdate) as date) as valid_from,
        cast(nullif(trim(nextstartdate), '') as date) as valid_to,
        cast(trim(conversionrate) as decimal(38, 12)) as rate_per_corporate_unit
    from source

)

select * from final
