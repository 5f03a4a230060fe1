-- Features from features.csv, plus keys seen in commits, calls or deals but not listed there.
with listed as (

    select * from {{ ref('stg_reference__features') }}

),

seen as (

    select feature_key from {{ ref('int_commits_features') }}
    where feature_key is not null
    union
    select feature_key from {{ ref('int_call_feature_shares') }}
    where feature_key is not null
    union
    select feature_key from {{ ref('fct_revenue_attribution') }}
    where feature_key is not null

),

shipped as (

    select * from {{ ref('int_features_shipped') }}

),

final as (

    select
        coalesce(listed.feature_key, seen.feature_key) as feature_key,
        coalesce(listed.feature_name, coalesce(listed.feature_key, seen.feature_key))
            as feature_name,
        listed.product_area,
        listed.feature_key is not null as is_listed,
        shipped.shipped_at
    from listed
    full outer join seen
        on listed.feature_key = seen.feature_key
    left join shipped
        on coalesce(listed.feature_key, seen.feature_key) = shipped.feature_key

)

select * from final
