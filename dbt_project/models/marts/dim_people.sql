with people as (

    select * from {{ ref('stg_reference__people') }}

),

final as (

    select
        person_email,
        person_name,
        team,
        annual_cost_usd,
        cast(annual_cost_usd / 12 as decimal(18, 2)) as monthly_cost_usd,
        aliases
    from people

)

select * from final
