-- Identities in the logs and bills that people.csv does not name: kept and counted, never
-- dropped. Add them as aliases to attribute their spend.
with calls as (

    select * from {{ ref('fct_agent_calls') }}
    where not is_known_person

),

final as (

    select
        person_email as identity,
        {{ sorted_distinct_array('source') }} as sources,
        count(*) as rows,
        sum(request_count) as calls,
        sum(cost_usd) as cost_usd,
        min(occurred_at) as first_seen_at,
        max(occurred_at) as last_seen_at
    from calls
    group by person_email

)

select * from final
