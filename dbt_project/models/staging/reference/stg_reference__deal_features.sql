with source as (

    {{ latest_snapshot(source('reference', 'deal_features')) }}

),

final as (

    select
        trim(deal_id) as deal_id,
        upper(trim(feature_key)) as feature_key,
        cast(weight as decimal(18, 6)) as weight
    from source

)

select * from final
