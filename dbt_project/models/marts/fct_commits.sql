with commits as (

    select * from {{ ref('int_commits_features') }}

),

final as (

    select
        commit_id,
        repo,
        sha,
        person_email,
        author_name,
        author_email,
        authored_at,
        committed_at,
        is_on_default_branch as on_default_branch,
        feature_key,
        feature_source,
        referenced_feature_keys,
        additions,
        deletions,
        lines_changed,
        files_changed,
        ai_method is not null as is_ai_assisted,
        ai_method,
        ai_agent,
        co_authors,
        trailers,
        linked_session_ids,
        cardinality(parents) > 1 as is_merge
    from commits

)

select * from final
