// Set-based SQL for seeding load-test data: tens of thousands of rows per statement via
// generate_series, instead of one HTTP registration (and one bcrypt) per household.
// Every load account's email ends in @load.vtime.invalid, so a new run can delete the last one's.

export const LOAD_DOMAIN = '@load.vtime.invalid';
export const TITLE_PREFIX = 'Load title ';

export const CLEANUP = [
  `delete from users where email like '%${LOAD_DOMAIN}'`,
  `delete from titles where title like '${TITLE_PREFIX}%'`,
];

// $1 count, $2 one educational title in $2
export const TITLES = `insert into titles (id, title, is_educational, duration_minutes, age_rating, created_at)
  select gen_random_uuid(), '${TITLE_PREFIX}' || lpad(g::text, 4, '0'), g % $2 = 0, 20 + g % 40, (array['G','PG','PG-13'])[1 + g % 3], now()
  from generate_series(1, $1::int) g
  returning id, is_educational, title`;

// $1 email prefix, $2 count, $3 password hash, $4 timezones, $5 pin hash
export const USERS = `insert into users (id, email, password_hash, timezone, pin_hash, created_at)
  select gen_random_uuid(), $1::text || lpad(g::text, 7, '0') || '${LOAD_DOMAIN}', $3, ($4::text[])[1 + (g - 1) % cardinality($4::text[])], $5, now()
  from generate_series(1, $2::int) g`;

// $1 email prefix, $2 kids per household; a kids profile always comes with its viewing-time config (SPEC 2)
export const KIDS = `with p as (
    insert into profiles (id, user_id, name, is_kids, parental_rating, created_at)
    select gen_random_uuid(), u.id, 'Kid ' || lpad(k::text, 2, '0'), true, 'PG', now()
    from users u cross join generate_series(1, $2::int) k where u.email like $1::text || '%'
    returning id, user_id)
  insert into viewing_time_configs (id, profile_id, monday_limit_minutes, tuesday_limit_minutes, wednesday_limit_minutes, thursday_limit_minutes, friday_limit_minutes, saturday_limit_minutes, sunday_limit_minutes, reset_hour, educational_exempt, timezone, version, updated_at)
  select gen_random_uuid(), p.id, 120, 120, 120, 120, 120, 180, 180, 6, true, u.timezone, 1, now() from p join users u on u.id = p.user_id`;

// $1 email prefix
// $1 email prefix
export const EMAILS = `select email from users where email like $1::text || '%' order by email`;

export const READ_BACK = `select u.id as user_id, u.timezone, p.id as profile_id
  from users u join profiles p on p.user_id = u.id where u.email like $1::text || '%' order by u.email, p.name`;

// Ended sessions going back from now: $1 email prefix, $2 sessions per profile, $3 seconds between starts, $4 title count.
// Lengths (10..40 min) stay below the spacing, so a profile's sessions never overlap.
export const HISTORY = `insert into viewing_sessions (id, profile_id, title_id, device_id, device_type, is_educational, started_at,
    last_heartbeat_at, last_seq, ended_at, end_reason, total_seconds)
  select gen_random_uuid(), p.id, t.id, 'load-tablet', 'tablet', t.is_educational, x.start, x.start + make_interval(secs => x.secs),
    x.secs / 30, x.start + make_interval(secs => x.secs), 'ended', x.secs
  from users u join profiles p on p.user_id = u.id
  cross join generate_series(1, $2::int) i
  cross join lateral (select now() - make_interval(secs => i * $3::int) as start, least($3::int - 60, 600 + (i * 97) % 1800) as secs) x
  join titles t on t.title = '${TITLE_PREFIX}' || lpad((1 + i % $4::int)::text, 4, '0')
  where u.email like $1::text || '%'`;

// The balances those sessions imply, per viewing day (reset hour 6 in the profile's timezone)
export const BALANCES = `insert into viewing_time_balances (id, profile_id, reset_date, used_seconds, educational_seconds, bonus_seconds,
    is_unlimited_override, day_start, day_end, limit_minutes, updated_at)
  select gen_random_uuid(), d.profile_id, d.day, d.used, d.edu, 0, false, (d.day + time '06:00') at time zone d.tz,
    (d.day + 1 + time '06:00') at time zone d.tz, case when extract(isodow from d.day) >= 6 then 180 else 120 end, now()
  from (select s.profile_id, c.timezone as tz, ((s.started_at at time zone c.timezone) - interval '6 hours')::date as day,
          sum(case when s.is_educational then 0 else s.total_seconds end) as used, sum(case when s.is_educational then s.total_seconds else 0 end) as edu
        from viewing_sessions s join viewing_time_configs c on c.profile_id = s.profile_id
        join profiles p on p.id = s.profile_id join users u on u.id = p.user_id
        where u.email like $1::text || '%' group by 1, 2, 3) d`;

// One 30-minute grant per kid, two viewing days ago, in the ledger and as bonus on that day's balance
export const GRANTS = `with g as (
    insert into time_grants (id, profile_id, granted_by_id, minutes, reset_date, device_id, granted_at)
    select gen_random_uuid(), b.profile_id, p.user_id, 30, b.reset_date, 'load-parent-phone', b.day_start + interval '10 hours'
    from viewing_time_balances b join profiles p on p.id = b.profile_id join users u on u.id = p.user_id
    where u.email like $1::text || '%' and b.reset_date = current_date - 2
    returning profile_id, reset_date)
  update viewing_time_balances b set bonus_seconds = b.bonus_seconds + 1800 from g
  where b.profile_id = g.profile_id and b.reset_date = g.reset_date`;

// Kids a break begins for during the run: $1 email prefix, $2 one in how many kids. Each gets the
// break rule 15/5 and today's day row (reset hour 6 in its timezone, the seeded limits) counted
// 15, 30 or 45 s short of 15 minutes, as of now: with beats every 30 s the break starts at its
// first or second credited beat, within a minute of the run's start.
export const BREAKS = `with k as (
    select p.id as profile_id, c.timezone as tz, row_number() over (order by p.id) as n
      from users u join profiles p on p.user_id = u.id join viewing_time_configs c on c.profile_id = p.id
     where u.email like $1::text || '%'),
  b as (select * from k where n % $2::int = 0),
  rule as (update viewing_time_configs c set break_after_minutes = 15, break_minutes = 5 from b where c.profile_id = b.profile_id returning c.profile_id)
  insert into viewing_time_balances (id, profile_id, reset_date, day_start, day_end, limit_minutes, updated_at, break_after_minutes, break_minutes, continuous_seconds, counted_at)
  select gen_random_uuid(), b.profile_id, d.day, (d.day + time '06:00') at time zone b.tz, (d.day + 1 + time '06:00') at time zone b.tz,
         case when extract(isodow from d.day) >= 6 then 180 else 120 end, now(), 15, 5, 900 - 15 * (1 + (b.n / $2::int) % 3), now()
    from b join rule r on r.profile_id = b.profile_id
    cross join lateral (select ((now() at time zone b.tz) - interval '6 hours')::date as day) d`;

// vacuum too: the previous run's rows were just deleted, and every run should start from tables in the same state
export const ANALYZE = 'vacuum (analyze) users, profiles, viewing_time_configs, titles, viewing_sessions, viewing_time_balances, time_grants, refresh_tokens';
