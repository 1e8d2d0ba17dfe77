-- A session whose last beat is older than 5 minutes is stale: it ended at that beat (SPEC §3).
create or replace function vt_is_stale(p_last timestamptz, p_now timestamptz)
returns boolean
language sql immutable
as $function$
  select p_last < p_now - interval '300 seconds'
$function$;
