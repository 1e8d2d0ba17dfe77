-- The week and the bank at the start of viewing day p_date (SPEC §3a), computed once, when the
-- day's row is created (and by a balance read of a day without a row yet): the bank the week's
-- earlier days leave (vt_bank_days, with the new day's cap; 0 on a Monday), and what those days
-- counted and were granted (days without rows: nothing). No job needs to run at midnight.
create or replace function vt_week(p_profile uuid, p_date date, p_cap integer,
  out bank_seconds integer, out week_used_seconds integer, out week_bonus_seconds integer)
language sql stable
as $function$
  select coalesce((select d.bank from vt_bank_days(p_profile, p_date - (extract(isodow from p_date)::integer - 1), p_date - 1, p_cap) d
                    order by d.date desc limit 1), 0),
         coalesce(sum(b.used_seconds), 0)::integer, coalesce(sum(b.bonus_seconds), 0)::integer
    from viewing_time_balances b
   where b.profile_id = p_profile and b.reset_date >= p_date - (extract(isodow from p_date)::integer - 1) and b.reset_date < p_date
$function$;
