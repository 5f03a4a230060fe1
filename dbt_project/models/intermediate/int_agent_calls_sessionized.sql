-- Per-call logs with a session key: the source's session id, else per person a new session
-- after var('session_gap_minutes') of inactivity (DESIGN.md "Sessions").
with calls as (

    select * from {{ ref('int_agent_calls_priced') }}
    where not is_usage_export

),

gaps as (

    select
        calls.*,
        case
            when calls.session_id is not null then 0
            when lag(calls.occurred_at) over by_person is null then 1
            when
                calls.occurred_at - lag(calls.occurred_at) over by_person
                > interval ({{ var('session_gap_minutes') }}) minute then 1
            else 0
        end as starts_session
    from calls
    window by_person as (
        partition by calls.person_email, calls.session_id is null
        order by calls.occurred_at, calls.event_id
    )

),

numbered as (

    select
        gaps.*,
        sum(gaps.starts_session) over (
            partition by gaps.person_email, gaps.session_id is null
            order by gaps.occurred_at, gaps.event_id
            rows between unbounded preceding and current row
        ) as gap_session_number
    from gaps

),

final as (

    select
        numbered.* exclude (starts_session, gap_session_number),
        coalesce(
            numbered.session_id,
            'gap:' || numbered.person_email || ':' || numbered.gap_session_number
        ) as session_key
    from numbered

)

select * from final
