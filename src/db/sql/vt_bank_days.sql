-- The time bank day by day over viewing days p_from (a Monday) .. p_to of one week (SPEC §3a),
-- from the profile's day rows: the one definition of the bank's formulas. A day without a row
-- counted nothing, was granted nothing, and had that weekday's limit in the settings as they are
-- now. A day banks when the bank is on for it (its row's cap; for a day without a row the settings'
-- bank_from), and only from the settings' bank_from (a bank turned on again starts from 0); a day
-- without a limit or with an unlimited-today grant adds nothing. For each day d:
--   spent(d)  = max(0, counted − limit − grants), at most the bank: the limit is used first, then
--               the grants, then the bank (so a grant given after bank minutes were spent gives them back);
--   banked(d) = max(0, limit − counted);
--   bank(d)   = min(cap, bank(d−1) − spent(d) + banked(d)), the bank at the day's end; 0 before Monday.
-- vt_week reads the bank before a new day from it; the reports read each day's figures.
create or replace function vt_bank_days(p_profile uuid, p_from date, p_to date, p_cap integer)
returns table (date date, banks boolean, banked integer, spent integer, bank integer)
language plpgsql stable
as $function$
declare
  c record;
  r record;
  v_limit integer;
  v_used integer;
  v_bonus integer;
  v_unlimited boolean;
begin
  select k.bank_from, k.monday_limit_minutes, k.tuesday_limit_minutes, k.wednesday_limit_minutes, k.thursday_limit_minutes,
         k.friday_limit_minutes, k.saturday_limit_minutes, k.sunday_limit_minutes
    into c from viewing_time_configs k where k.profile_id = p_profile;
  bank := 0;
  date := p_from;
  while date <= p_to loop
    select b.used_seconds, b.bonus_seconds, b.limit_minutes, b.is_unlimited_override, b.bank_cap_minutes is not null as on into r
      from viewing_time_balances b where b.profile_id = p_profile and b.reset_date = date;
    if found then
      v_used := r.used_seconds; v_bonus := r.bonus_seconds; v_limit := r.limit_minutes; v_unlimited := r.is_unlimited_override;
      banks := r.on and c.bank_from is not null and date >= c.bank_from;
    else
      v_used := 0; v_bonus := 0; v_unlimited := false;
      v_limit := case extract(isodow from date)::integer when 1 then c.monday_limit_minutes when 2 then c.tuesday_limit_minutes
                   when 3 then c.wednesday_limit_minutes when 4 then c.thursday_limit_minutes when 5 then c.friday_limit_minutes
                   when 6 then c.saturday_limit_minutes else c.sunday_limit_minutes end;
      banks := c.bank_from is not null and date >= c.bank_from;
    end if;
    banks := banks and p_cap is not null and v_limit is not null and not v_unlimited;
    spent := case when banks then greatest(0, least(bank,
                                                     v_used - v_limit * 60 - v_bonus)) else 0 end;
    banked := case when banks then greatest(0, v_limit * 60 - v_used) else 0 end;
    bank := case when banks then least(bank - spent + banked,
                                       p_cap * 60) else bank end;
    return next;
    date := date + 1;
  end loop;
end
$function$;
