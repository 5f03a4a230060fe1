-- Every dollar of every call (and of unlogged spend) to a feature or to a reason (docs/rules.md
-- "Attribution: call → feature"): non-work is never attributed; then (a) an explicit key, (b) a key
-- in the branch name, (c) the session's linked commits split by lines changed. Conservation: a
-- call's shares add up to its cost.
with calls as (

    select * from {{ ref('int_agent_calls_sessionized') }}

),

links as (

    select * from {{ ref('int_session_commit_links') }}

),

unlogged as (

    select * from {{ ref('int_unlogged_spend') }}

),

direct as (

    select
        calls.*,
        nullif(regexp_extract(calls.branch, '{{ var("feature_key_pattern") }}', 0), '')
            as branch_feature_key
    from calls

),

decided as (

    select
        direct.*,
        case
            when direct.task_class = 'non_work' then 'non_work'
            when direct.feature_key is not null then 'explicit_key'
            when direct.branch_feature_key is not null then 'branch_name'
            when not direct.is_known_person then 'unknown_person'
            else 'link'
        end as rule
    from direct

),

shares as (

    select
        decided.event_id,
        case decided.rule
            when 'explicit_key' then decided.feature_key
            when 'branch_name' then decided.branch_feature_key
        end as feature_key,
        case when decided.rule in ('explicit_key', 'branch_name') then decided.rule end
            as attribution_method,
        case when decided.rule in ('non_work', 'unknown_person') then decided.rule end
            as unattributed_reason,
        1.0 as share
    from decided
    where decided.rule <> 'link'

    union all

    select
        decided.event_id,
        links.feature_key,
        case when links.feature_key is not null then links.link_method end,
        case
            when links.commit_id is null then 'no_linked_commit'
            when links.feature_key is null then 'no_feature_key'
        end,
        coalesce(links.share, 1.0)
    from decided
    left join links
        on decided.session_key = links.session_key
    where decided.rule = 'link'

),

costed as (

    select
        shares.*,
        calls.occurred_at,
        calls.team,
        calls.person_email,
        case
            when shares.share = 1 then calls.cost_usd
            else cast(cast(calls.cost_usd as double) * shares.share as decimal(38, 12))
        end as cost_usd
    from shares
    inner join calls
        on shares.event_id = calls.event_id

),

final as (

    select
        event_id,
        feature_key,
        attribution_method,
        unattributed_reason,
        share,
        occurred_at,
        team,
        person_email,
        cost_usd
    from costed
    union all
    select
        event_id,
        null as feature_key,
        null as attribution_method,
        'unlogged' as unattributed_reason,
        1.0 as share,
        occurred_at,
        team,
        person_email,
        cost_usd
    from unlogged

)

select * from final
