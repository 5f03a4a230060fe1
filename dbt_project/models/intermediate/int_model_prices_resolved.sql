with catalog as (

    select * from {{ ref('model_prices') }}

),

overrides as (

    select * from {{ ref('stg_reference__model_price_overrides') }}

),

combined as (

    -- An override row replaces the shipped row with the same (provider, model, valid_from).
    select
        provider,
        model,
        valid_from,
        valid_to,
        tier,
        input_usd_per_mtok,
        output_usd_per_mtok,
        cache_read_usd_per_mtok,
        cache_write_usd_per_mtok,
        cache_write_1h_usd_per_mtok,
        -- (an override has no long-context tier or fast multiplier: its prices are flat)
        cast(null as bigint) as long_context_above_tokens,
        cast(null as decimal(18, 6)) as input_usd_per_mtok_long,
        cast(null as decimal(18, 6)) as output_usd_per_mtok_long,
        cast(null as decimal(18, 6)) as cache_read_usd_per_mtok_long,
        cast(null as decimal(18, 6)) as cache_write_usd_per_mtok_long,
        cast(null as decimal(18, 6)) as cache_write_1h_usd_per_mtok_long,
        cast(null as decimal(18, 6)) as fast_multiplier,
        'override' as price_source
    from overrides
    union all
    select
        lower(catalog.provider),
        catalog.model,
        catalog.valid_from,
        catalog.valid_to,
        catalog.tier,
        catalog.input_usd_per_mtok,
        catalog.output_usd_per_mtok,
        catalog.cache_read_usd_per_mtok,
        catalog.cache_write_usd_per_mtok,
        catalog.cache_write_1h_usd_per_mtok,
        catalog.long_context_above_tokens,
        catalog.input_usd_per_mtok_long,
        catalog.output_usd_per_mtok_long,
        catalog.cache_read_usd_per_mtok_long,
        catalog.cache_write_usd_per_mtok_long,
        catalog.cache_write_1h_usd_per_mtok_long,
        catalog.fast_multiplier,
        'catalog' as price_source
    from catalog
    where not exists (
        select 1
        from overrides
        where
            overrides.provider = lower(catalog.provider)
            and overrides.model = catalog.model
            and overrides.valid_from = catalog.valid_from
    )

),

with_fallbacks as (

    select
        provider,
        model,
        {{ normalize_model_name('provider', 'model') }} as model_key,
        valid_from,
        -- A blank valid_to runs until the next dated row of the same model, if any.
        coalesce(
            valid_to,
            lead(valid_from) over (partition by provider, model order by valid_from)
        ) as valid_until,
        tier,
        price_source,
        {{ price_per_token('input_usd_per_mtok') }} as input_usd_per_token,
        {{ price_per_token('output_usd_per_mtok') }} as output_usd_per_token,
        -- docs/rules.md "Pricing": a blank cache price falls back to the input price ...
        {{ price_per_token('coalesce(cache_read_usd_per_mtok, input_usd_per_mtok)') }}
            as cache_read_usd_per_token,
        {{ price_per_token('coalesce(cache_write_usd_per_mtok, input_usd_per_mtok)') }}
            as cache_write_usd_per_token,
        -- ... and 1-hour cache writes fall back to the 5-minute price.
        {{ price_per_token(
            'coalesce(cache_write_1h_usd_per_mtok, cache_write_usd_per_mtok, input_usd_per_mtok)'
        ) }} as cache_write_1h_usd_per_token,
        -- Above long_context_above_tokens of input in one request, every bucket is priced
        -- at its long-context price (a bucket without one keeps its standard price).
        long_context_above_tokens,
        {{ price_per_token('input_usd_per_mtok_long') }} as input_long_usd_per_token,
        {{ price_per_token('output_usd_per_mtok_long') }} as output_long_usd_per_token,
        {{ price_per_token('cache_read_usd_per_mtok_long') }} as cache_read_long_usd_per_token,
        {{ price_per_token('cache_write_usd_per_mtok_long') }}
            as cache_write_long_usd_per_token,
        {{ price_per_token(
            'coalesce(cache_write_1h_usd_per_mtok_long, cache_write_usd_per_mtok_long)'
        ) }} as cache_write_1h_long_usd_per_token,
        -- Claude Code's fast mode: every token price times this (blank: not priced apart)
        fast_multiplier
    from combined

),

final as (

    -- A call is priced by its exact model id first (a dated id, a Bedrock or Vertex id the
    -- catalog lists); else by its normalised key (date suffix, region and version dropped),
    -- where several ids share a key (gpt-4o, gpt-4o-2024-05-13, gpt-4o-2024-08-06) one stands
    -- for it: an override, else the id that is the key itself, else the shortest (a base id
    -- over a regional one: us.… is 10% dearer on Bedrock).
    select
        *,
        lower(model) as model_id,
        row_number() over (
            partition by provider, model_key, valid_from
            order by
                case when price_source = 'override' then 0 else 1 end,
                case when lower(model) = model_key then 0 else 1 end,
                length(model),
                model
        ) = 1 as is_key_representative
    from with_fallbacks

)

select * from final
