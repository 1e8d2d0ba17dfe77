-- The allowance left on a day row (seconds), SPEC §3a: the smaller of the day's term (limit +
-- grants + the bank − counted today; none without a limit) and the week's (weekly limit + the
-- week's grants − counted this week; none without a weekly limit), never below 0; null when
-- neither applies or the day is unlimited today. The bank available is the bank at the day's
-- start, trimmed to the cap in force (0 while the bank is off). The one definition of "remaining".
create or replace function vt_remaining(b viewing_time_balances)
returns integer
language sql immutable
as $function$
  select case when b.is_unlimited_override then null
              else least(case when b.limit_minutes is null then null
                              else greatest(0, b.limit_minutes * 60 + b.bonus_seconds - b.used_seconds
                                  + coalesce(least(b.bank_seconds,
                                                   b.bank_cap_minutes * 60), 0)) end,
                         case when b.weekly_limit_minutes is null then null
                              else greatest(0, b.weekly_limit_minutes * 60 + b.week_bonus_seconds + b.bonus_seconds - b.week_used_seconds - b.used_seconds) end) end
$function$;
