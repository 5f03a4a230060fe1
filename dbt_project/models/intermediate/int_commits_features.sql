-- Each commit's feature: a key in its message (trailers included), else the key of the branch merge
-- that brought it onto the default branch (docs/rules.md "Attribution: call → feature").
with recursive commits as (

    select * from {{ ref('int_commits_classified') }}

),

merge_commits as (

    select
        repo,
        {{ array_element('parents', 2) }} as sha,
        message_feature_key as feature_key
    from commits
    where cardinality(parents) > 1 and message_feature_key is not null

),

merged_branch as (

    select
        repo,
        sha,
        feature_key
    from merge_commits
    -- (all, not distinct: Spark recurses only so; history is acyclic and branch_keys
    -- aggregates the repeats)
    union all
    select
        commits.repo,
        {{ array_element('commits.parents', 1) }},
        merged_branch.feature_key
    from merged_branch
    inner join commits
        on merged_branch.repo = commits.repo and merged_branch.sha = commits.sha
    where not commits.is_on_default_branch and cardinality(commits.parents) > 0

),

identities as (

    select * from {{ ref('int_people_identities') }}

),

branch_keys as (

    select
        repo,
        sha,
        min(feature_key) as feature_key
    from merged_branch
    group by repo, sha

),

final as (

    select
        commits.*,
        -- the author's email, else their git name, resolved through people.csv aliases
        coalesce(by_email.person_email, by_name.person_email) as person_email,
        commits.additions + commits.deletions as lines_changed,
        coalesce(commits.message_feature_key, branch_keys.feature_key) as feature_key,
        case
            when commits.message_feature_key is not null then 'message'
            when branch_keys.feature_key is not null then 'branch_merge'
        end as feature_source
    from commits
    left join branch_keys
        on
            commits.repo = branch_keys.repo
            and commits.sha = branch_keys.sha
            and not commits.is_on_default_branch
    left join identities as by_email
        on commits.author_email = by_email.identity_key
    left join identities as by_name
        on lower(commits.author_name) = by_name.identity_key

)

select * from final
