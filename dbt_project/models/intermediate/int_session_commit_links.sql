-- Commits linked to an agent session (docs/rules.md "Attribution: call → feature", rule c): commits
-- whose trailer names the session; else commits by the session's person (in the same repo when the
-- calls name one) authored from its first call to var('session_commit_window_hours') after its
-- last. share = the commit's part of the lines changed (equal when none changed).
with calls as (

    select * from {{ ref('int_agent_calls_sessionized') }}
    where is_known_person

),

commits as (

    select * from {{ ref('int_commits_features') }}

),

sessions as (

    select
        session_key,
        any_value(session_id) as session_id,
        any_value(person_email) as person_email,
        mode(repo) as repo,
        min(occurred_at) as first_call_at,
        max(occurred_at) as last_call_at
    from calls
    group by session_key

),

trailer_sessions as (

    -- one row per session a commit's trailers name, so sessions join on equality (a
    -- list_contains join compared every session with every commit)
    select distinct
        commits.commit_id,
        commits.feature_key,
        commits.lines_changed,
        {{ each_element('commits.linked_session_ids') }} as session_id
    from commits
    where cardinality(commits.linked_session_ids) > 0

),

by_trailer as (

    select
        sessions.session_key,
        trailer_sessions.commit_id,
        trailer_sessions.feature_key,
        trailer_sessions.lines_changed,
        'session_trailer' as link_method
    from sessions
    inner join trailer_sessions
        on sessions.session_id = trailer_sessions.session_id

),

by_window as (

    select
        sessions.session_key,
        commits.commit_id,
        commits.feature_key,
        commits.lines_changed,
        'session_window' as link_method
    from sessions
    inner join commits
        on
            sessions.person_email = commits.person_email
            and (sessions.repo is null or sessions.repo = commits.repo)
            and sessions.first_call_at <= commits.authored_at
            and sessions.last_call_at + interval '{{ var("session_commit_window_hours") }}' hour
            >= commits.authored_at
    where sessions.session_key not in (select session_key from by_trailer)

),

links as (

    select * from by_trailer
    union all
    select * from by_window

),

final as (

    select
        links.*,
        case
            when sum(links.lines_changed) over by_session > 0
                then
                    cast(links.lines_changed as double)
                    / sum(links.lines_changed) over by_session
            else 1.0 / count(*) over by_session
        end as share
    from links
    window by_session as (partition by links.session_key)

)

select * from final
