select * from {{ ref('int_deals_converted') }}
