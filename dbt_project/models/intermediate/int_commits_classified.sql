-- Commits with their trailers read, feature key found and AI assistance detected (docs/rules.md
-- "Attribution: call → feature"): by author, committer or Co-authored-by identity of a known agent,
-- or a marker line; the first method that applies is kept on the row.
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
        regexp_extract_all(commits.message, '(?m)^[A-Za-z][A-Za-z0-9-]*:[ \t]*\S.*$', 0)
            as trailers,
        {{ array_transform(
            "regexp_extract_all(commits.message, '(?mi)^co-authored-by:[ \\t]*(.+)$', 1)",
            'co_author', 'lower(trim(co_author))') }} as co_authors,
        concat(
            regexp_extract_all(commits.message, '(?mi)^agent-session:[ \t]*(\S+)', 1),
            regexp_extract_all(commits.message, '(?mi)^claude-session:[ \t]*\S*?session_(\S+)', 1)
        ) as linked_session_ids,
        nullif(regexp_extract(commits.message, '{{ var("feature_key_pattern") }}', 0), '')
            as message_feature_key,
        array_distinct(
            regexp_extract_all(commits.message, '{{ var("feature_key_pattern") }}', 0)
        ) as referenced_feature_keys,
        {{ regexp_found('commits.message',
                        "'(?m)(Generated with \\[Claude Code\\]|^Made-with:[ \\t]*Cursor)'") }}
            as has_agent_marker
    from commits

),

identities as (

    -- Each distinct identity is matched against the agents' patterns once (people repeat
    -- over thousands of commits; a pattern that is not a constant is compiled per row).
    select with_trailers.author_identity as identity from with_trailers
    union
    select with_trailers.committer_identity from with_trailers
    union
    select {{ each_element('with_trailers.co_authors') }} from with_trailers

),

identity_agents as (

    select
        identities.identity,
        min(agents.agent) as agent
    from identities
    cross join agents
    where {{ regexp_found('identities.identity', 'agents.identity_pattern') }}
    group by identities.identity

),

co_author_agents as (

    select
        co_authored.commit_id,
        min(identity_agents.agent) as agent
    from (
        select
            with_trailers.commit_id,
            {{ each_element('with_trailers.co_authors') }} as identity
        from with_trailers
    ) as co_authored
    inner join identity_agents
        on co_authored.identity = identity_agents.identity
    group by co_authored.commit_id

),

matched as (

    select
        with_trailers.commit_id,
        by_author.agent as author_agent,
        by_committer.agent as committer_agent,
        co_author_agents.agent as co_author_agent
    from with_trailers
    left join identity_agents as by_author
        on with_trailers.author_identity = by_author.identity
    left join identity_agents as by_committer
        on with_trailers.committer_identity = by_committer.identity
    left join co_author_agents
        on with_trailers.commit_id = co_author_agents.commit_id

),

final as (

    select
        {{ star_except('with_trailers', ['author_identity', 'committer_identity']) }},
        coalesce(matched.author_agent, matched.committer_agent, matched.co_author_agent)
            as ai_agent,
        case
            when matched.author_agent is not null then 'author'
            when matched.committer_agent is not null then 'committer'
            when matched.co_author_agent is not null then 'co_author'
            when with_trailers.has_agent_marker then 'marker'
            when cardinality(with_trailers.linked_session_ids) > 0 then 'session_trailer'
        end as ai_method
    from with_trailers
    left join matched
        on with_trailers.commit_id = matched.commit_id

)

select * from final
