-- A feature ships at the first commit on its repo's default branch (first-parent history)
-- that references its key (docs/rules.md "Attribution: call → feature").
with commits as (

    select * from {{ ref('int_commits_features') }}

),

feature_references as (

    select
        feature.feature_key,
        commits.committed_at,
        commits.repo
    from commits
    {{ join_each_element('commits.referenced_feature_keys', 'feature', 'feature_key') }}
    where commits.is_on_default_branch

),

final as (

    select
        feature_key,
        min(committed_at) as shipped_at,
        min_by(repo, committed_at) as shipped_in_repo
    from feature_references
    group by feature_key

)

select * from final
