with source as (

    {{ latest_snapshot(source('reference', 'people')) }}

),

final as (

    select
        lower(trim(email)) as person_email,
        trim(name) as person_name,
        trim(team) as team,
        cast(annual_cost_usd as decimal(18, 2)) as annual_cost_usd,
        {{ array_filter(
            array_transform(split_text("coalesce(aliases, '')", "';'"), 'alias', 'trim(alias)'),
            'alias', "alias <> ''") }} as aliases
    from source

)

select * from final
