-- docs/rules.md "The bill reconciliation", at the grain the bill has. Provider exports are what was
-- billed, per-call logs the detail. A bill row that names a model (a usage bucket grouped by model,
-- a cost line "gpt-4.1, output") is reconciled per provider, model and day; one that names none
-- (the usage API's default page, the day's cost without group_by, web search, code execution) per
-- provider and day, against the day's logged calls whose model has no bill row of its own. Per
-- provider and day the bill comes from one basis, so nothing is counted twice: the cost endpoint's
-- amounts when it has lines for the day (the provider's money), else the usage buckets priced with
-- the catalog like the logs. A usage bucket with no price (no model, or a model nobody prices) is
-- reconciled in tokens.
with calls as (

    select * from {{ ref('int_agent_calls_priced') }}

),

bill_rows as (

    select
        provider,
        model_key,
        cast(occurred_at as date) as day,
        is_cost_line,
        case when is_cost_line then bill_amount_usd else catalog_cost_usd end
            as billed_cost_usd,
        -- what tokens cannot price: a cost line for web search, code execution, storage …
        case
            when is_cost_line and coalesce(bill_cost_type, 'tokens') <> 'tokens'
                then bill_amount_usd
        end as non_token_cost_usd,
        case
            when not is_cost_line
                then
                    input_tokens + cache_read_tokens + cache_write_tokens
                    + cache_write_1h_tokens + output_tokens
        end as billed_tokens
    from calls
    where is_usage_export

),

bases as (

    select
        provider,
        day,
        bool_or(is_cost_line) as is_from_costs
    from bill_rows
    group by provider, day

),

billed as (

    select
        bill_rows.provider,
        bill_rows.model_key,
        bill_rows.day,
        bases.is_from_costs,
        -- NULL when a usage bucket of the group has no price: the group is reconciled in tokens
        case
            when count(*) = count(bill_rows.billed_cost_usd)
                then sum(bill_rows.billed_cost_usd)
        end as billed_cost_usd,
        sum(bill_rows.non_token_cost_usd) as non_token_cost_usd,
        sum(bill_rows.billed_tokens) as billed_tokens
    from bill_rows
    inner join bases
        on
            bill_rows.provider = bases.provider
            and bill_rows.day = bases.day
            and bill_rows.is_cost_line = bases.is_from_costs
    group by bill_rows.provider, bill_rows.model_key, bill_rows.day, bases.is_from_costs

),

logged as (

    select
        provider,
        model_key,
        cast(occurred_at as date) as day,
        sum(catalog_cost_usd) as logged_cost_usd,
        sum(
            input_tokens + cache_read_tokens + cache_write_tokens + cache_write_1h_tokens
            + output_tokens
        ) as logged_tokens
    from calls
    where not is_usage_export
    group by provider, model_key, day

),

logged_without_model_bill as (

    -- the day's logged calls whose model the bill does not name: they explain its
    -- provider-grain rows
    select
        logged.provider,
        logged.day,
        sum(logged.logged_cost_usd) as logged_cost_usd,
        sum(logged.logged_tokens) as logged_tokens
    from logged
    left join billed
        on
            logged.provider = billed.provider
            and logged.model_key = billed.model_key
            and logged.day = billed.day
    where billed.model_key is null
    group by logged.provider, logged.day

),

matched as (

    select
        billed.*,
        'provider_model_day' as grain,
        logged.logged_cost_usd,
        logged.logged_tokens
    from billed
    left join logged
        on
            billed.provider = logged.provider
            and billed.model_key = logged.model_key
            and billed.day = logged.day
    where billed.model_key is not null
    union all
    select
        billed.*,
        'provider_day' as grain,
        logged_without_model_bill.logged_cost_usd,
        logged_without_model_bill.logged_tokens
    from billed
    left join logged_without_model_bill
        on
            billed.provider = logged_without_model_bill.provider
            and billed.day = logged_without_model_bill.day
    where billed.model_key is null

),

final as (

    select
        provider,
        model_key,
        day,
        grain,
        is_from_costs,
        billed_cost_usd,
        coalesce(logged_cost_usd, 0) as logged_cost_usd,
        -- (greatest ignores NULLs: a bill without a price has no dollar remainder)
        case
            when billed_cost_usd is not null
                then greatest(billed_cost_usd - coalesce(logged_cost_usd, 0), 0)
        end as unlogged_cost_usd,
        coalesce(non_token_cost_usd, 0) as non_token_cost_usd,
        billed_tokens,
        coalesce(logged_tokens, 0) as logged_tokens,
        case
            when billed_tokens is not null
                then greatest(billed_tokens - coalesce(logged_tokens, 0), 0)
        end as unlogged_tokens
    from matched

)

select * from final
