	switch (t->back) {
	default: Uerror("bad return move");
	case  0: goto R999; /* nothing to undo */

		 /* PROC :init: */

	case 3: // STATE 1
		;
		((P3 *)_this)->i = trpt->bup.oval;
		;
		goto R999;

	case 4: // STATE 5
		;
		((P3 *)_this)->i = trpt->bup.ovals[2];
		now.tomb[ Index(((P3 *)_this)->i, 2) ] = trpt->bup.ovals[1];
		now.seq[ Index(((P3 *)_this)->i, 2) ] = trpt->bup.ovals[0];
		;
		ungrab_ints(trpt->bup.ovals, 3);
		goto R999;

	case 5: // STATE 11
		;
		((P3 *)_this)->i = trpt->bup.oval;
		;
		goto R999;

	case 6: // STATE 14
		;
		((P3 *)_this)->i = trpt->bup.ovals[1];
		now.ticket[ Index(((P3 *)_this)->i, 3) ] = trpt->bup.ovals[0];
		;
		ungrab_ints(trpt->bup.ovals, 2);
		goto R999;

	case 7: // STATE 20
		;
		;
		delproc(0, now._nr_pr-1);
		;
		goto R999;

	case 8: // STATE 21
		;
		;
		delproc(0, now._nr_pr-1);
		;
		goto R999;

	case 9: // STATE 22
		;
		((P3 *)_this)->i = trpt->bup.oval;
		;
		goto R999;
;
		;
		
	case 11: // STATE 24
		;
		;
		delproc(0, now._nr_pr-1);
		;
		goto R999;

	case 12: // STATE 25
		;
		((P3 *)_this)->i = trpt->bup.oval;
		;
		goto R999;

	case 13: // STATE 31
		;
		;
		delproc(0, now._nr_pr-1);
		;
		goto R999;

	case 14: // STATE 32
		;
		;
		delproc(0, now._nr_pr-1);
		;
		goto R999;

	case 15: // STATE 33
		;
		;
		delproc(0, now._nr_pr-1);
		;
		goto R999;

	case 16: // STATE 34
		;
		((P3 *)_this)->i = trpt->bup.oval;
		;
		goto R999;
;
		;
		
	case 18: // STATE 38
		;
		((P3 *)_this)->i = trpt->bup.oval;
		;
		goto R999;

	case 19: // STATE 41
		;
		((P3 *)_this)->i = trpt->bup.oval;
		;
		goto R999;

	case 20: // STATE 48
		;
		((P3 *)_this)->i = trpt->bup.oval;
		;
		goto R999;

	case 21: // STATE 51
		;
		((P3 *)_this)->i = trpt->bup.oval;
		;
		goto R999;

	case 22: // STATE 58
		;
		p_restor(II);
		;
		;
		goto R999;

		 /* PROC Canceller */
;
		;
		
	case 24: // STATE 3
		;
		((P2 *)_this)->s = trpt->bup.ovals[1];
		((P2 *)_this)->p = trpt->bup.ovals[0];
		;
		ungrab_ints(trpt->bup.ovals, 2);
		goto R999;

	case 25: // STATE 5
		;
		((P2 *)_this)->t = trpt->bup.oval;
		;
		goto R999;
;
		;
		
	case 27: // STATE 8
		;
		((P2 *)_this)->t = trpt->bup.ovals[1];
	/* 0 */	((P2 *)_this)->t = trpt->bup.ovals[0];
		;
		;
		ungrab_ints(trpt->bup.ovals, 2);
		goto R999;

	case 28: // STATE 15
		;
	/* 0 */	((P2 *)_this)->t = trpt->bup.oval;
		;
		;
		goto R999;

	case 29: // STATE 22
		;
		now.tomb[ Index(((P2 *)_this)->s, 2) ] = trpt->bup.oval;
		;
		goto R999;
;
		;
		
	case 31: // STATE 30
		;
		now.tomb[ Index(((P2 *)_this)->s, 2) ] = trpt->bup.oval;
		;
		goto R999;
;
		
	case 32: // STATE 34
		goto R999;
;
		
	case 33: // STATE 32
		goto R999;

	case 34: // STATE 42
		;
		now.reading[ Index(((P2 *)_this)->s, 2) ] = trpt->bup.oval;
		;
		goto R999;

	case 35: // STATE 46
		;
		now.reading[ Index(((P2 *)_this)->s, 2) ] = trpt->bup.ovals[1];
		((P2 *)_this)->v = trpt->bup.ovals[0];
		;
		ungrab_ints(trpt->bup.ovals, 2);
		goto R999;

	case 36: // STATE 53
		;
		((P2 *)_this)->v = trpt->bup.ovals[3];
		now.cancels = trpt->bup.ovals[2];
		now.disc[ Index(((P2 *)_this)->p, 4) ] = trpt->bup.ovals[1];
		now.tomb[ Index(((P2 *)_this)->s, 2) ] = trpt->bup.ovals[0];
		;
		ungrab_ints(trpt->bup.ovals, 4);
		goto R999;
;
		;
		
	case 38: // STATE 61
		;
		((P2 *)_this)->v = trpt->bup.ovals[3];
		((P2 *)_this)->t = trpt->bup.ovals[2];
		((P2 *)_this)->s = trpt->bup.ovals[1];
		((P2 *)_this)->p = trpt->bup.ovals[0];
		;
		ungrab_ints(trpt->bup.ovals, 4);
		goto R999;

	case 39: // STATE 63
		;
		p_restor(II);
		;
		;
		goto R999;

		 /* PROC Consumer */
;
		
	case 40: // STATE 1
		goto R999;
;
		
	case 41: // STATE 8
		goto R999;

	case 42: // STATE 6
		;
		((P1 *)_this)->s = trpt->bup.ovals[2];
		now.head = trpt->bup.ovals[1];
		((P1 *)_this)->pos = trpt->bup.ovals[0];
		;
		ungrab_ints(trpt->bup.ovals, 3);
		goto R999;

	case 43: // STATE 10
		;
		((P1 *)_this)->t = trpt->bup.oval;
		;
		goto R999;
;
		;
		
	case 45: // STATE 12
		;
	/* 0 */	((P1 *)_this)->t = trpt->bup.oval;
		;
		;
		goto R999;

	case 46: // STATE 14
		;
		((P1 *)_this)->t = trpt->bup.oval;
		;
		goto R999;

	case 47: // STATE 20
		;
	/* 0 */	((P1 *)_this)->t = trpt->bup.oval;
		;
		;
		goto R999;

	case 48: // STATE 26
		;
		((P1 *)_this)->t = trpt->bup.ovals[4];
		((P1 *)_this)->s = trpt->bup.ovals[3];
		((P1 *)_this)->pos = trpt->bup.ovals[2];
		now.skipped = trpt->bup.ovals[1];
		now.seq[ Index(((P1 *)_this)->s, 2) ] = trpt->bup.ovals[0];
		;
		ungrab_ints(trpt->bup.ovals, 5);
		goto R999;

	case 49: // STATE 39
		;
		now.ran[ Index(((P1 *)_this)->pos, 4) ] = trpt->bup.oval;
		;
		goto R999;

	case 50: // STATE 44
		;
		((P1 *)_this)->t = trpt->bup.ovals[3];
		((P1 *)_this)->s = trpt->bup.ovals[2];
		((P1 *)_this)->pos = trpt->bup.ovals[1];
		now.seq[ Index(((P1 *)_this)->s, 2) ] = trpt->bup.ovals[0];
		;
		ungrab_ints(trpt->bup.ovals, 4);
		goto R999;

	case 51: // STATE 51
		;
		p_restor(II);
		;
		;
		goto R999;

		 /* PROC Producer */
;
		;
		
	case 53: // STATE 5
		;
		((P0 *)_this)->s = trpt->bup.ovals[2];
		now.tail = trpt->bup.ovals[1];
		((P0 *)_this)->pos = trpt->bup.ovals[0];
		;
		ungrab_ints(trpt->bup.ovals, 3);
		goto R999;

	case 54: // STATE 8
		;
		now.writing[ Index(((P0 *)_this)->s, 2) ] = trpt->bup.oval;
		;
		goto R999;

	case 55: // STATE 11
		;
		now.writing[ Index(((P0 *)_this)->s, 2) ] = trpt->bup.ovals[1];
		now.task[ Index(((P0 *)_this)->s, 2) ] = trpt->bup.ovals[0];
		;
		ungrab_ints(trpt->bup.ovals, 2);
		goto R999;
;
		;
		
	case 57: // STATE 14
		;
		now.tomb[ Index(((P0 *)_this)->s, 2) ] = trpt->bup.oval;
		;
		goto R999;

	case 58: // STATE 19
		;
		now.seq[ Index(((P0 *)_this)->s, 2) ] = trpt->bup.oval;
		;
		goto R999;
;
		;
		
	case 60: // STATE 22
		;
		((P0 *)_this)->tk = trpt->bup.ovals[1];
		now.ticket[ Index((((P0 *)_this)->tbase+((P0 *)_this)->tk), 3) ] = trpt->bup.ovals[0];
		;
		ungrab_ints(trpt->bup.ovals, 2);
		goto R999;

	case 61: // STATE 30
		;
		((P0 *)_this)->s = trpt->bup.ovals[2];
		((P0 *)_this)->pos = trpt->bup.ovals[1];
		((P0 *)_this)->k = trpt->bup.ovals[0];
		;
		ungrab_ints(trpt->bup.ovals, 3);
		goto R999;

	case 62: // STATE 37
		;
		p_restor(II);
		;
		;
		goto R999;
	}

