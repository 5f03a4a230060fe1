{#-
  Provider logs spell one model many ways. Normalise to the catalog's spelling: lower case;
  no Bedrock region/vendor prefix ("us.anthropic.") or version suffix ("-v1:0"); no Vertex
  "@20250929" suffix; no "<provider>/" prefix; no release-date suffix (-20250929, -2024-08-06).
-#}
{% macro normalize_model_name(provider, model) -%}
    regexp_replace(regexp_replace(regexp_replace(regexp_replace(
        case
            when left(lower(trim({{ model }})), length(trim({{ provider }})) + 1)
                = lower(trim({{ provider }})) || '/'
                then substr(lower(trim({{ model }})), length(trim({{ provider }})) + 2)
            else lower(trim({{ model }}))
        end,
        '^((us|eu|apac|global|jp|au)\.)?(anthropic|meta|amazon|mistral|cohere|ai21|deepseek)\.', ''),
        '(-v[0-9]+(:[0-9]+)?|@[0-9]{8}|@latest)$', ''),
        '-[0-9]{8}$', ''),
        '-[0-9]{4}-[0-9]{2}-[0-9]{2}$', '')
{%- endmacro %}

{#- Cloud resellers (Bedrock, Vertex, Azure) are priced at the model maker's list price. -#}
{% macro pricing_provider(provider, model_key) -%}
    case
        when lower({{ provider }}) in (
            'bedrock', 'aws.bedrock', 'amazon_bedrock', 'vertex_ai', 'vertex',
            'gcp.vertex_ai', 'azure', 'azure_ai', 'az.ai.openai'
        ) then
            case
                when {{ model_key }} like 'claude%' then 'anthropic'
                when {{ model_key }} like 'gemini%' then 'gemini'
                when {{ regexp_found(model_key, "'^(gpt|o[0-9])'") }} then 'openai'
                else lower({{ provider }})
            end
        else lower({{ provider }})
    end
{%- endmacro %}
