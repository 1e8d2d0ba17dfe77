-- The rule numbers the statements apply under the row locks, as src/domain/viewing-time/rules.ts
-- holds them (test/component/sql-functions.test.ts checks they agree). Immutable, so a call with a
-- constant name is folded into a constant when a statement is planned.
create or replace function vt_rule(p_name text)
returns integer
language sql immutable
as $function$
  select case p_name
    when 'credit_cap_seconds' then 60   -- CREDIT_CAP_SECONDS
    when 'pause_grace_seconds' then 300 -- PAUSE_GRACE_SECONDS
    when 'stale_after_seconds' then 300 -- STALE_AFTER_SECONDS
    when 'grace_slack_seconds' then 60  -- GRACE_SLACK_SECONDS
  end
$function$;
