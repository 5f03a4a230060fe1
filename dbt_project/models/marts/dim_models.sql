with prices as (

    select * from {{ ref('int_model_prices_resolved') }}

),

final as (

    select
        provider,
        model,
        valid_from,
        valid_until,
        tier as model_tier,
        price_source,
        input_usd_per_token * 1000000 as input_usd_per_mtok,
        output_usd_per_token * 1000000 as output_usd_per_mtok,
        cache_read_usd_per_token * 1000000 as cache_read_usd_per_mtok,
        cache_write_usd_per_token * 1000000 as cache_write_usd_per_mtok,
        cache_write_1h_usd_per_token * 1000000 as cache_write_1h_usd_per_mtok
    from prices

)

select * from final
