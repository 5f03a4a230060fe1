with source as (

    {{ latest_snapshot(source('reference', 'model_prices')) }}

),

final as (

    select
        lower(trim(provider)) as provider,
        trim(model) as model,
        cast(valid_from as date) as valid_from,
        cast(nullif(trim(valid_to), '') as date) as valid_to,
        lower(trim(tier)) as tier,
        cast(input_usd_per_mtok as decimal(18, 6)) as input_usd_per_mtok,
        cast(output_usd_per_mtok as decimal(18, 6)) as output_usd_per_mtok,
        cast(nullif(trim(cache_read_usd_per_mtok), '') as decimal(18, 6))
            as cache_read_usd_per_mtok,
        cast(nullif(trim(cache_write_usd_per_mtok), '') as decimal(18, 6))
            as cache_write_usd_per_mtok,
        cast(nullif(trim(cache_write_1h_usd_per_mtok), '') as decimal(18, 6))
            as cache_write_1h_usd_per_mtok
    from source

)

select * from final
