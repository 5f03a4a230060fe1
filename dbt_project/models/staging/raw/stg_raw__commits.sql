{#- Incremental (dbt_project.yml): the new batches replace the versions of their commit_ids. -#}
{{ config(unique_key='commit_id') }}

with source as (

    select * from {{ source('raw', 'commits') }}
    {{ new_batches_only() }}

),

deduplicated as (

    select *
    from source
    qualify row_number() over (
        partition by repo, sha
        order by ingested_at desc, source_file asc, source_line asc
    ) = 1

),

final as (

    select
        repo || ':' || sha as commit_id,
        repo,
        sha,
        parents,
        author_name,
        lower(author_email) as author_email,
        cast(authored_at as timestamp) as authored_at,
        committer_name,
        lower(committer_email) as committer_email,
        cast(committed_at as timestamp) as committed_at,
        message,
        coalesce(additions, 0) as additions,
        coalesce(deletions, 0) as deletions,
        coalesce(files_changed, 0) as files_changed,
        coalesce(on_default_branch, false) as is_on_default_branch,
        source_file,
        batch_id,
        ingested_at
    from deduplicated

)

select * from final
