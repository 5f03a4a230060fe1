with source as (

    {{ latest_snapshot(source('reference', 'fx_rates')) }}

),

final as (

    select
        upper(trim(currency)) as currency,
        cast(trim(valid_from) as date) as valid_from,
        cast(trim(rate_per_usd) as decimal(38, 12)) as rate_per_usd
    from source

)

select * from final
