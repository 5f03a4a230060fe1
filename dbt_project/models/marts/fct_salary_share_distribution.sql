-- How many people spend which share of their salary on tokens, per month: the buckets grow
-- by powers of ~2 so both the many light users and the few heavy ones show (the spread is
-- bimodal). Everyone in people.csv counts; 'none' holds those with no spend at all.
with salary_shares as (

    select * from {{ ref('fct_spend_vs_salary') }}

),

buckets as (

    select
        bucket.bucket_order,
        bucket.bucket_label,
        bucket.lower_share,
        bucket.upper_share
    from (
        values
        (1, 'none', 0.0, 0.0),
        (2, 'under 0.1%', 0.0, 0.001),
        (3, '0.1–0.5%', 0.001, 0.005),
        (4, '0.5–1%', 0.005, 0.01),
        (5, '1–2%', 0.01, 0.02),
        (6, '2–5%', 0.02, 0.05),
        (7, '5–10%', 0.05, 0.10),
        (8, '10% and over', 0.10, null)
    ) as bucket (bucket_order, bucket_label, lower_share, upper_share)

),

months as (

    select distinct month from salary_shares

),

placed as (

    select
        salary_shares.month,
        buckets.bucket_order
    from salary_shares
    inner join buckets
        on
            (buckets.bucket_order = 1 and salary_shares.spend_usd = 0)
            or (
                buckets.bucket_order > 1
                and salary_shares.spend_usd > 0
                and salary_shares.spend_pct_of_salary >= buckets.lower_share
                and (
                    buckets.upper_share is null
                    or salary_shares.spend_pct_of_salary < buckets.upper_share
                )
            )

),

final as (

    select
        months.month,
        buckets.bucket_order,
        buckets.bucket_label,
        buckets.lower_share,
        buckets.upper_share,
        count(placed.bucket_order) as people
    from months
    cross join buckets
    left join placed
        on
            months.month = placed.month
            and buckets.bucket_order = placed.bucket_order
    group by all

)

select * from final
