-- The day row of a profile containing an instant: the one definition of "today's row" (a row
-- holds [day_start, day_end)). SQL and stable, so a statement that calls it inlines it.
create or replace function vt_day_of(p_profile uuid, p_at timestamptz)
returns setof viewing_time_balances
language sql stable
as $function$
  select * from viewing_time_balances b where b.profile_id = p_profile and b.day_start <= p_at and b.day_end > p_at
$function$;
