with source as (

    {{ latest_snapshot(source('reference', 'budgets')) }}

),

final as (

    select
        lower(trim(scope)) as scope,
        case when lower(trim(scope)) = 'user' then lower(trim(scope_id)) else trim(scope_id) end
            as scope_id,
        cast(monthly_limit_usd as decimal(18, 2)) as monthly_limit_usd
    from source

)

select * from final
