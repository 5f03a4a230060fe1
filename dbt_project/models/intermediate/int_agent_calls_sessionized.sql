{#- A view: only calls without a session id are ordered, which is cheap; writing every
    call's columns to a table again cost most of this model's time, so fct_agent_calls is
    the one table at the call grain. -#}
{{ config(materialized='view') }}

-- Per-call logs with a session key: the source's session id, else per person a new session
-- after var('session_gap_minutes') of inactivity (docs/rules.md "Sessions").
with calls as (

    select * from {{ ref('int_agent_calls_priced') }}
    where not is_usage_export

),

gaps as (

    -- only calls without a session id need the per-person ordering
    select
        calls.*,
        case
            when lag(calls.occurred_at) over by_person is null then 1
            when
                calls.occurred_at - lag(calls.occurred_at) over by_person
                > interval '{{ var("session_gap_minutes") }}' minute then 1
            else 0
        end as starts_session
    from calls
    where calls.session_id is null
    window by_person as (
        partition by calls.person_email
        order by calls.occurred_at, calls.event_id
    )

),

numbered as (

    select
        {{ star_except('gaps', ['starts_session']) }},
        'gap:' || gaps.person_email || ':' || sum(gaps.starts_session) over (
            partition by gaps.person_email
            order by gaps.occurred_at, gaps.event_id
            rows between unbounded preceding and current row
        ) as session_key
    from gaps

),

final as (

    select
        calls.*,
        calls.session_id as session_key
    from calls
    where calls.session_id is not null
    union all
    select * from numbered

)

select * from final
