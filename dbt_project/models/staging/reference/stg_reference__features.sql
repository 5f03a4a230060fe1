with source as (

    {{ latest_snapshot(source('reference', 'features')) }}

),

final as (

    select
        upper(trim(feature_key)) as feature_key,
        trim(name) as feature_name,
        trim(product_area) as product_area
    from source

)

select * from final
