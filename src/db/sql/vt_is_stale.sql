-- A session whose last beat is older than the stale limit (vt_rule) is stale: it ended at that beat.
-- Stable, as timestamptz arithmetic is: declared immutable it would not be inlined into a statement.
create or replace function vt_is_stale(p_last timestamptz, p_now timestamptz)
returns boolean
language sql stable
as $function$
  select p_last < p_now - make_interval(secs => vt_rule('stale_after_seconds'))
$function$;
