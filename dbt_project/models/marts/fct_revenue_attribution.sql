-- A won deal's amount split over its cited features by weight (deal_features.csv, else equal
-- weights over the deal's features); a share is credited when the feature shipped on or before the
-- close date (docs/rules.md "Deals and revenue credit"). Credited + not credited = won. A won deal
-- whose amount could not be converted to the reporting currency (no rate, no amount) is no revenue
-- here: fct_deals says why (amount_usd_missing_reason).
with deals as (

    select * from {{ ref('int_deals_converted') }}
    where is_won and amount_usd is not null

),

weights as (

    select * from {{ ref('stg_reference__deal_features') }}

),

shipped as (

    select * from {{ ref('int_features_shipped') }}

),

cited as (

    select
        deals.deal_id,
        weights.feature_key,
        weights.weight
    from deals
    inner join weights
        on deals.deal_id = weights.deal_id
    union all
    select
        deals.deal_id,
        upper(feature.feature_key),
        1.0
    from deals
    {{ join_each_element('deals.cited_features', 'feature', 'feature_key') }}
    where deals.deal_id not in (select deal_id from weights)

),

shares as (

    select
        deals.deal_id,
        deals.amount_usd,
        coalesce(deals.close_date, cast(deals.closed_at as date)) as close_date,
        cited.feature_key,
        case
            when cited.feature_key is null then 1.0
            else cast(cited.weight as double) / sum(cast(cited.weight as double)) over (
                partition by deals.deal_id
            )
        end as share
    from deals
    left join cited
        on deals.deal_id = cited.deal_id

),

final as (

    select
        shares.deal_id,
        shares.feature_key,
        shares.share,
        shares.close_date,
        cast(shipped.shipped_at as date) as shipped_date,
        cast(cast(shares.amount_usd as double) * shares.share as decimal(18, 6))
            as share_amount_usd,
        case
            when shares.feature_key is null then 'no_cited_feature'
            when shipped.shipped_at is null then 'never_shipped'
            when cast(shipped.shipped_at as date) > shares.close_date then 'shipped_after_close'
        end as not_credited_reason
    from shares
    left join shipped
        on shares.feature_key = shipped.feature_key

)

select
    deal_id,
    feature_key,
    share,
    close_date,
    shipped_date,
    case when not_credited_reason is null then share_amount_usd else 0 end
        as credited_revenue_usd,
    case when not_credited_reason is not null then share_amount_usd else 0 end
        as not_credited_revenue_usd,
    not_credited_reason
from final
