-- Credits p_seconds of viewing to a day's balance under its row lock: exempt educational viewing
-- to educational_seconds, anything else to used_seconds but never past limit + bonus (SPEC §3).
-- credited_seconds keeps what this update granted, so RETURNING can hand it back without first
-- reading the row under a separate lock.
create or replace function vt_credit(p_balance uuid, p_seconds integer, p_title_educational boolean, p_now timestamptz)
returns table (granted integer, used_seconds integer, educational_seconds integer, bonus_seconds integer,
               unlimited_override boolean, limit_minutes integer, educational_exempt boolean, day_end timestamptz)
language sql
as $function$
  update viewing_time_balances b set
    credited_seconds = case when b.educational_exempt and p_title_educational then p_seconds
      else least(p_seconds, coalesce(vt_remaining(b.used_seconds, b.bonus_seconds, b.limit_minutes, b.is_unlimited_override), p_seconds)) end,
    used_seconds = b.used_seconds + case when b.educational_exempt and p_title_educational then 0
      else least(p_seconds, coalesce(vt_remaining(b.used_seconds, b.bonus_seconds, b.limit_minutes, b.is_unlimited_override), p_seconds)) end,
    educational_seconds = b.educational_seconds + case when b.educational_exempt and p_title_educational then p_seconds else 0 end,
    updated_at = p_now
  where b.id = p_balance
  returning b.credited_seconds, b.used_seconds, b.educational_seconds, b.bonus_seconds, b.is_unlimited_override,
            b.limit_minutes, b.educational_exempt, b.day_end
$function$;
