{#- A view: pricing a call is cheap; writing every call's ~30 columns to a table cost
    ten times more (2 s a million calls), so fct_agent_calls is the one table at the call
    grain. -#}
{{ config(materialized='view') }}

with calls as (

    select * from {{ ref('stg_raw__agent_calls') }}

),

identities as (

    select * from {{ ref('int_people_identities') }}

),

people as (

    select * from {{ ref('stg_reference__people') }}

),

prices as (

    select * from {{ ref('int_model_prices_resolved') }}

),

model_makers as (

    -- The provider a model id belongs to, from the catalog, for calls whose source names
    -- none (a LiteLLM row without custom_llm_provider, a span without gen_ai.system): a
    -- provider that lists the exact id (a Bedrock id is Bedrock's), else one that lists its
    -- normalised key; among several, the first of var model_makers, else the first by name.
    select
        match_on,
        model,
        provider as inferred_provider
    from (
        select distinct
            'id' as match_on,
            model_id as model,
            provider
        from prices
        union all
        select distinct
            'key' as match_on,
            model_key as model,
            provider
        from prices
    ) as listed
    qualify row_number() over (
        partition by match_on, model
        order by {{ model_maker_rank('provider') }}, provider
    ) = 1

),

identified as (

    select
        {{ star_except('calls', ['provider', 'pricing_provider']) }},
        coalesce(calls.provider, by_id.inferred_provider, by_key.inferred_provider) as provider,
        coalesce(
            calls.pricing_provider, by_id.inferred_provider, by_key.inferred_provider
        ) as pricing_provider,
        coalesce(by_email.person_email, by_user_key.person_email) as known_person_email
    from calls
    left join model_makers as by_id
        on
            calls.provider is null
            and by_id.match_on = 'id'
            and lower(calls.model) = by_id.model
    left join model_makers as by_key
        on
            calls.provider is null
            and by_key.match_on = 'key'
            and calls.model_key = by_key.model
    left join identities as by_email
        on calls.person_email = by_email.identity_key
    left join identities as by_user_key
        on lower(calls.user_key) = by_user_key.identity_key

),

priced_by_id as (

    select
        identified.*,
        prices.tier as id_tier,
        prices.model as id_model,
        {{ priced_tokens('identified', 'prices') }} as id_cost_usd
    from identified
    left join prices
        on
            lower(identified.provider) = prices.provider
            and lower(identified.model) = prices.model_id
            and {{ price_in_force('prices', 'identified.occurred_at') }}

),

priced as (

    select
        priced_by_id.*,
        coalesce(priced_by_id.id_tier, prices.tier) as catalog_tier,
        coalesce(priced_by_id.id_model, prices.model) as catalog_model,
        coalesce(
            priced_by_id.id_cost_usd, {{ priced_tokens('priced_by_id', 'prices') }}
        ) as catalog_cost_usd
    from priced_by_id
    left join prices
        on
            priced_by_id.id_model is null
            and prices.is_key_representative
            and priced_by_id.pricing_provider = prices.provider
            and priced_by_id.model_key = prices.model_key
            and {{ price_in_force('prices', 'priced_by_id.occurred_at') }}

),

final as (

    select
        priced.event_id,
        priced.occurred_at,
        priced.source,
        priced.is_usage_export,
        priced.known_person_email is not null as is_known_person,
        -- Unmatched identities are kept (and counted as unknown), never dropped.
        coalesce(priced.known_person_email, priced.person_email, priced.user_key)
            as person_email,
        coalesce(people.team, priced.team, 'unknown') as team,
        priced.tool,
        priced.session_id,
        priced.request_id,
        -- a model nobody prices, from a source that names no provider
        coalesce(priced.provider, 'unknown') as provider,
        coalesce(priced.catalog_model, priced.model) as model,
        coalesce(priced.catalog_tier, priced.model_tier, 'unknown') as model_tier,
        priced.task_class,
        priced.task_class_confidence,
        priced.input_tokens,
        priced.cache_read_tokens,
        priced.cache_write_tokens,
        priced.cache_write_1h_tokens,
        priced.output_tokens,
        priced.request_count,
        priced.reported_cost_usd,
        priced.catalog_cost_usd,
        {{ normalize_model_name(
            'priced.provider', 'coalesce(priced.catalog_model, priced.model)'
        ) }} as model_key,
        -- A source's own cost wins; a model without a price is flagged, never costed at $0.
        coalesce(priced.reported_cost_usd, priced.catalog_cost_usd) as cost_usd,
        case
            when priced.reported_cost_usd is not null then 'reported'
            when priced.catalog_cost_usd is not null then 'catalog'
            else 'unpriced'
        end as cost_source,
        priced.repo,
        priced.branch,
        priced.feature_key,
        priced.prompt_sha256,
        priced.prompt_chars,
        priced.prompt_text,
        priced.speed,
        priced.is_cost_line,
        priced.bill_line_item,
        priced.bill_cost_type,
        priced.bill_amount_usd,
        priced.source_file,
        priced.source_line
    from priced
    left join people
        on priced.known_person_email = people.person_email

)

select * from final
