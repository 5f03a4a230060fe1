with commits as (

    select * from {{ ref('int_commits_classified') }}

),

identities as (

    select * from {{ ref('int_people_identities') }}

),

final as (

    select
        commits.commit_id,
        commits.repo,
        commits.sha,
        -- the author's email, else their git name, resolved through people.csv aliases
        coalesce(by_email.person_email, by_name.person_email) as person_email,
        commits.author_name,
        commits.author_email,
        commits.authored_at,
        commits.committed_at,
        commits.is_on_default_branch as on_default_branch,
        commits.message_feature_key as feature_key,
        commits.additions,
        commits.deletions,
        commits.additions + commits.deletions as lines_changed,
        commits.files_changed,
        commits.ai_method is not null as is_ai_assisted,
        commits.ai_method,
        commits.ai_agent,
        commits.co_authors,
        commits.trailers,
        commits.linked_session_ids,
        len(commits.parents) > 1 as is_merge
    from commits
    left join identities as by_email
        on commits.author_email = by_email.identity_key
    left join identities as by_name
        on lower(commits.author_name) = by_name.identity_key

)

select * from final
