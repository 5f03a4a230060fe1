-- Commits with their trailers read, feature key found and AI assistance detected
-- (DESIGN.md "AI-assisted commit"): by author, committer or Co-authored-by identity of a
-- known agent, or a marker line; the first method that applies is kept on the row.
with commits as (

    select * from {{ ref('stg_raw__commits') }}

),

agents as (

    select * from {{ ref('agent_identities') }}

),

with_trailers as (

    select
        commits.*,
        lower(commits.author_name || ' <' || commits.author_email || '>') as author_identity,
        lower(commits.committer_name || ' <' || commits.committer_email || '>')
            as committer_identity,
        regexp_extract_all(commits.message, '(?m)^[A-Za-z][A-Za-z0-9-]*:[ \t]*\S.*$')
            as trailers,
        list_transform(
            regexp_extract_all(commits.message, '(?mi)^co-authored-by:[ \t]*(.+)$', 1),
            lambda co_author: lower(trim(co_author))
        ) as co_authors,
        list_concat(
            regexp_extract_all(commits.message, '(?mi)^agent-session:[ \t]*(\S+)', 1),
            regexp_extract_all(commits.message, '(?mi)^claude-session:[ \t]*\S*?session_(\S+)', 1)
        ) as linked_session_ids,
        nullif(regexp_extract(commits.message, '{{ var("feature_key_pattern") }}'), '')
            as message_feature_key,
        list_distinct(regexp_extract_all(commits.message, '{{ var("feature_key_pattern") }}'))
            as referenced_feature_keys,
        regexp_matches(
            commits.message, '(?m)(Generated with \[Claude Code\]|^Made-with:[ \t]*Cursor)'
        ) as has_agent_marker
    from commits

),

matched as (

    select
        with_trailers.commit_id,
        min(agents.agent) filter (
            where regexp_matches(with_trailers.author_identity, agents.identity_pattern)
        ) as author_agent,
        min(agents.agent) filter (
            where regexp_matches(with_trailers.committer_identity, agents.identity_pattern)
        ) as committer_agent,
        min(agents.agent) filter (
            where len(list_filter(
                with_trailers.co_authors,
                lambda co_author: regexp_matches(co_author, agents.identity_pattern)
            )) > 0
        ) as co_author_agent
    from with_trailers
    cross join agents
    group by with_trailers.commit_id

),

final as (

    select
        with_trailers.* exclude (author_identity, committer_identity),
        coalesce(matched.author_agent, matched.committer_agent, matched.co_author_agent)
            as ai_agent,
        case
            when matched.author_agent is not null then 'author'
            when matched.committer_agent is not null then 'committer'
            when matched.co_author_agent is not null then 'co_author'
            when with_trailers.has_agent_marker then 'marker'
            when len(with_trailers.linked_session_ids) > 0 then 'session_trailer'
        end as ai_method
    from with_trailers
    left join matched
        on with_trailers.commit_id = matched.commit_id

)

select * from final
