with source as (

    {{ latest_snapshot(source('reference', 'salesforce_currency_types')) }}

),

final as (

    select
        upper(trim(isocode)) as currency,
        cast(trim(conversionrate) as decimal(38, 12)) as rate_per_corporate_unit,
        coalesce(lower(trim(iscorporate)) = 'true', false) as is_corporate
    from source

)

select * from final
