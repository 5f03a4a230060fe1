with source as (

    {{ latest_snapshot(source('reference', 'people')) }}

),

final as (

    select
        lower(trim(email)) as person_email,
        trim(name) as person_name,
        trim(team) as team,
        cast(annual_cost_usd as decimal(18, 2)) as annual_cost_usd,
        list_filter(
            list_transform(string_split(coalesce(aliases, ''), ';'), lambda alias: trim(alias)),
            lambda alias: alias <> ''
        ) as aliases
    from source

)

select * from final
