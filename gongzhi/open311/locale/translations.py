# Chinese and Tibetan for the open311 app: python ../tools/po_fill.py open311 open311/locale/translations.py
T = {
    "Not found.": ("未找到。", "རྙེད་མ་སོང་།"),
    "Choose a community you manage.": ("请选择您管理的社区。", "ཁྱེད་ཀྱིས་དོ་དམ་བྱེད་པའི་སྡེ་ཁུལ་ཞིག་འདེམས་རོགས།"),
    "The partner unit is not in this community.": (
        "该共建单位不在本社区。",
        "མཉམ་ལས་ཚན་ཁག་དེ་སྡེ་ཁུལ་འདིའི་ནང་མེད།",
    ),
    "Open311 keys": ("Open311 密钥", "Open311 ལྡེ་མིག"),
    "Name": ("名称", "མིང་།"),
    "Which system uses the key, e.g. “城管 12345 hotline”.": (
        "使用该密钥的系统，例如“城管 12345 热线”。",
        "ལྡེ་མིག་འདི་བེད་སྤྱོད་བྱེད་མཁན་གྱི་མ་ལག དཔེར་ན། “城管 12345 热线”།",
    ),
    "Community": ("社区", "སྡེ་ཁུལ།"),
    "Partner unit": ("共建单位", "མཉམ་ལས་ཚན་ཁག"),
    "A short text.": ("一段简短文字。", "ཡི་གེ་ཐུང་ངུ་ཞིག"),
    "A number, e.g. 3 or 2.5.": ("一个数字，例如 3 或 2.5。", "ཨང་གྲངས་ཤིག དཔེར་ན། 3 ཡང་ན་ 2.5།"),
    "A date and time with its zone, e.g. 2026-11-29T09:30:00+08:00.": (
        "带时区的日期和时间，例如 2026-11-29T09:30:00+08:00。",
        "དུས་ཁུལ་ཡོད་པའི་ཚེས་གྲངས་དང་དུས་ཚོད། དཔེར་ན། 2026-11-29T09:30:00+08:00།",
    ),
    "A longer text.": ("一段较长文字。", "ཡི་གེ་རིང་བ་ཞིག"),
    "One key of the listed values.": ("所列选项中的一个键。", "གདམ་ག་བཀོད་པའི་ནང་ནས་ལྡེ་མིག་གཅིག"),
    "One or more keys of the listed values, as attribute[code][]=key.": (
        "所列选项中的一个或多个键，格式为 attribute[code][]=key。",
        "གདམ་ག་བཀོད་པའི་ནང་ནས་ལྡེ་མིག་གཅིག་གམ་མང་པོ། attribute[code][]=key ལྟར།",
    ),
    "%(status)s; tier: %(tier)s": ("%(status)s；层级：%(tier)s", "%(status)s། རིམ་པ། %(tier)s"),
    "%(notes)s; reason: %(reason)s": ("%(notes)s；原因：%(reason)s", "%(notes)s། རྒྱུ་མཚན། %(reason)s"),
    "%(name)s is not a W3C datetime, e.g. 2026-11-29T09:30:00+08:00.": (
        "%(name)s 不是 W3C 日期时间格式，例如 2026-11-29T09:30:00+08:00。",
        "%(name)s ནི་ W3C ཚེས་དུས་མིན། དཔེར་ན། 2026-11-29T09:30:00+08:00།",
    ),
    "%(name)s must carry a time zone, e.g. +08:00 or Z.": (
        "%(name)s 必须带时区，例如 +08:00 或 Z。",
        "%(name)s ལ་དུས་ཁུལ་ངེས་པར་དུ་དགོས། དཔེར་ན། +08:00 ཡང་ན་ Z།",
    ),
    "start_date is after end_date.": ("start_date 晚于 end_date。", "start_date ནི་ end_date ཡི་རྗེས་ལ་ཡོད།"),
    "The span from start_date to end_date is over 90 days.": (
        "start_date 到 end_date 的跨度超过 90 天。",
        "start_date ནས་ end_date བར་ཉིན་ 90 ལས་བརྒལ་འདུག",
    ),
    "service_request_id must be numbers separated by commas.": (
        "service_request_id 必须是以逗号分隔的数字。",
        "service_request_id ནི་ཚེག་ལྷག་གིས་ཁ་གྱེས་པའི་ཨང་གྲངས་དགོས།",
    ),
    "status must be open, closed or both.": (
        "status 必须是 open、closed 或两者。",
        "status ནི་ open དང་ closed ཡང་ན་གཉིས་ཀ་དགོས།",
    ),
    "community": ("社区", "སྡེ་ཁུལ།"),
    "partner unit": ("共建单位", "མཉམ་ལས་ཚན་ཁག"),
    "name": ("名称", "མིང་།"),
    "key begins with": ("密钥开头", "ལྡེ་མིག་གི་འགོ"),
    "issued at": ("签发时间", "སྤྲད་པའི་དུས།"),
    "last used": ("最近使用", "མཐའ་མའི་བེད་སྤྱོད།"),
    "revoked at": ("吊销时间", "རྩིས་མེད་བཏང་བའི་དུས།"),
    "Open311 key": ("Open311 密钥", "Open311 ལྡེ་མིག"),
    "A key belongs to a community.": ("密钥必须属于一个社区。", "ལྡེ་མིག་ནི་སྡེ་ཁུལ་ཞིག་ལ་གཏོགས་དགོས།"),
    "Give the key a name.": ("请为密钥命名。", "ལྡེ་མིག་ལ་མིང་ཞིག་འདོགས་རོགས།"),
    "The name is too long: at most 100 characters.": (
        "名称太长：最多 100 个字符。",
        "མིང་རིང་དྲགས། ཡིག་འབྲུ་ 100 ལས་མང་བ་མི་ཆོག",
    ),
    "An active key with this name exists already.": (
        "已有同名的有效密钥。",
        "མིང་འདི་འདྲ་བའི་ལྡེ་མིག་ནུས་ལྡན་ཞིག་ཡོད་ཟིན།",
    ),
    "This key is revoked already.": ("该密钥已被吊销。", "ལྡེ་མིག་འདི་སྔར་ནས་རྩིས་མེད་བཏང་ཟིན།"),
    "We answer within %(response)s %(response_unit)s and aim to resolve it within "
    "%(resolution)s %(resolution_unit)s.": (
        "我们将在 %(response)s %(response_unit)s内响应，力争在 %(resolution)s %(resolution_unit)s内办结。",
        "ང་ཚོས་ %(response)s %(response_unit)s ནང་ལན་འདེབས་བྱེད་ཅིང་། %(resolution)s %(resolution_unit)s "
        "ནང་ཐག་གཅོད་བྱེད་རྒྱུའི་འབད་བརྩོན་བྱེད།",
    ),
    "service_code is required.": ("必须提供 service_code。", "service_code ངེས་པར་དུ་དགོས།"),
    "Give both lat and long.": ("请同时提供 lat 和 long。", "lat དང་ long གཉིས་ཀ་སྤྲོད་རོགས།"),
    "A location is required: lat and long, address_string or address_id.": (
        "必须提供位置：lat 和 long、address_string 或 address_id。",
        "གནས་ས་ངེས་པར་དུ་དགོས། lat དང་ long ཡང་ན་ address_string ཡང་ན་ address_id།",
    ),
    "The description must be plain text, without HTML.": (
        "描述必须是纯文本，不能含 HTML。",
        "འགྲེལ་བཤད་ནི་ཡི་གེ་རྐྱང་པ་དགོས། HTML མི་ཆོག",
    ),
    "The description is too long: at most %(max)s characters, this one has %(n)s.": (
        "描述太长：最多 %(max)s 个字符，当前为 %(n)s 个。",
        "འགྲེལ་བཤད་རིང་དྲགས། ཡིག་འབྲུ་ %(max)s ལས་མང་བ་མི་ཆོག འདི་ལ་ %(n)s ཡོད།",
    ),
    "The email address is not valid.": ("电子邮件地址无效。", "གློག་འཕྲིན་ཁ་བྱང་ནོར་འདུག"),
    "%(field)s is too long: at most 255 characters.": (
        "%(field)s 太长：最多 255 个字符。",
        "%(field)s རིང་དྲགས། ཡིག་འབྲུ་ 255 ལས་མང་བ་མི་ཆོག",
    ),
    "This api_key is not valid for this jurisdiction.": (
        "该 api_key 对此辖区无效。",
        "api_key འདི་ཁོངས་ཁུལ་འདིར་ནུས་མེད་རེད།",
    ),
    "Unknown service_code %(code)s.": ("未知的 service_code %(code)s。", "service_code %(code)s ངོ་མ་ཤེས།"),
    "Unknown address_id.": ("未知的 address_id。", "address_id ངོ་མ་ཤེས།"),
    "Partner systems (city hotlines, FixMyStreet, 311 apps) submit and follow cases through the Open311 "
    "GeoReport v2 interface at %(endpoint)s. Reading is public; to post requests a system sends its api_key. "
    "Issue one key per partner system and revoke it when the partner stops.": (
        "共建单位的系统（城市热线、FixMyStreet、311 应用）通过 %(endpoint)s 的 Open311 GeoReport v2 接口提交和跟踪诉求。"
        "查询是公开的；提交诉求时系统须发送其 api_key。请为每个合作系统签发一个密钥，合作结束时将其吊销。",
        "མཉམ་ལས་ཚན་ཁག་གི་མ་ལག་(གྲོང་ཁྱེར་ཁ་པར་ཐད་ཀར་ལམ། FixMyStreet། 311 ཉེར་སྤྱོད)གིས་ %(endpoint)s ཡི་ "
        "Open311 GeoReport v2 བར་མཚམས་བརྒྱུད་དེ་རེ་ཞུ་འབུལ་བ་དང་རྗེས་འདེད་བྱེད། ལྟ་ཀློག་ནི་སྤྱི་སྤྱོད་ཡིན། "
        "རེ་ཞུ་འབུལ་སྐབས་མ་ལག་གིས་རང་གི་ api_key གཏོང་དགོས། མཉམ་ལས་མ་ལག་རེར་ལྡེ་མིག་རེ་སྤྲོད་ཅིང་། "
        "མཉམ་ལས་མཚམས་བཞག་སྐབས་རྩིས་མེད་གཏོང་རོགས།",
    ),
    "The new key": ("新密钥", "ལྡེ་མིག་གསར་པ།"),
    "Copy it now and give it to the partner: it is shown only once and cannot be recovered.": (
        "请立即复制并交给合作方：它只显示一次，无法找回。",
        "ད་ལྟ་འདྲ་བཤུས་བྱས་ཏེ་མཉམ་ལས་པར་སྤྲོད་རོགས། འདི་ཐེངས་གཅིག་ལས་མི་སྟོན་ལ་སླར་གསོ་བྱེད་ཐབས་མེད།",
    ),
    "Issue a key": ("签发密钥", "ལྡེ་མིག་སྤྲོད་པ།"),
    "Issue the key": ("签发", "ལྡེ་མིག་སྤྲོད།"),
    "Key begins with": ("密钥开头", "ལྡེ་མིག་གི་འགོ"),
    "Issued": ("签发", "སྤྲད་པ།"),
    "Last used": ("最近使用", "མཐའ་མའི་བེད་སྤྱོད།"),
    "State": ("状态", "གནས་སྟངས།"),
    "Active": ("有效", "ནུས་ལྡན།"),
    "Revoke": ("吊销", "རྩིས་མེད་གཏོང་།"),
    "Revoked": ("已吊销", "རྩིས་མེད་བཏང་ཟིན།"),
    "No keys yet.": ("尚无密钥。", "ད་དུང་ལྡེ་མིག་མེད།"),
    "Keys are issued per partner unit by the community's staff, on the page %(url)s.": (
        "密钥由社区工作人员按共建单位签发，页面：%(url)s。",
        "ལྡེ་མིག་ནི་སྡེ་ཁུལ་གྱི་ལས་བྱེད་པས་མཉམ་ལས་ཚན་ཁག་རེར་སྤྲོད། ཤོག་ངོས། %(url)s།",
    ),
    "Unknown jurisdiction_id.": ("未知的 jurisdiction_id。", "jurisdiction_id ངོ་མ་ཤེས།"),
    "Too many requests. Please wait %(seconds)s seconds and try again.": (
        "请求过多。请等待 %(seconds)s 秒后再试。",
        "རེ་ཞུ་མང་དྲགས། སྐར་ཆ་ %(seconds)s སྒུག་ནས་ཡང་བསྐྱར་ཚོད་ལྟ་གྱིས།",
    ),
    "Method not allowed.": ("不允许该请求方法。", "ཐབས་ལམ་འདི་མི་ཆོག"),
    "api_key is missing or not valid.": ("api_key 缺失或无效。", "api_key མེད་པའམ་ནུས་མེད་རེད།"),
    "Unknown service_request_id %(id)s.": (
        "未知的 service_request_id %(id)s。",
        "service_request_id %(id)s ངོ་མ་ཤེས།",
    ),
    "Unknown token.": ("未知的 token。", "token ངོ་མ་ཤེས།"),
    "Key “%(name)s” issued. Copy it now: it is shown only once.": (
        "密钥“%(name)s”已签发。请立即复制：它只显示一次。",
        "ལྡེ་མིག་“%(name)s”སྤྲད་ཟིན། ད་ལྟ་འདྲ་བཤུས་གྱིས། འདི་ཐེངས་གཅིག་ལས་མི་སྟོན།",
    ),
    "Key “%(name)s” revoked.": ("密钥“%(name)s”已吊销。", "ལྡེ་མིག་“%(name)s”རྩིས་མེད་བཏང་ཟིན།"),
}
